import { useEffect, useRef, useState } from 'preact/hooks';
import type { OrderStatus } from '../../domain/status';
import { allowedScans } from './actions';
import { ActionForm } from './action-form';
import type { QueuedAction } from './device-store';
import { callLink, navigationLink } from './navigation';
import { OrderFacts } from './order-facts';
import { useText } from './text';
import type { CourierOrder, ScanType } from './wire';

/** The order a tap or a scan chose, or a code that is not on the courier's list. */
export type Selection = { order: CourierOrder } | { code: string; missing: 'not_yours' | 'offline' };

interface OrderSheetProps {
  selection: Selection;
  /** The order's status once the actions waiting for it are applied (null: not on the list). */
  expected: OrderStatus | null;
  courierId: string;
  /** Where the courier is now, if known. */
  place: () => { lat: number; lng: number } | undefined;
  onQueue: (action: QueuedAction) => Promise<void>;
  onClose: () => void;
}

/**
 * The chosen order over the screen: what to know of it, the actions its status allows (bottom, within a thumb's
 * reach) and, once one is picked, that action's form.
 */
export function OrderSheet({ selection, expected, courierId, place, onQueue, onClose }: OrderSheetProps) {
  const { t } = useText();
  const [action, setAction] = useState<ScanType | null>(null);
  const order = 'order' in selection ? selection.order : null;
  const unknown = 'order' in selection ? null : selection;
  const orderId = 'order' in selection ? selection.order.id : selection.code;
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [action]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const call = order ? callLink(order.customer.phone) : null;
  const navigate = order ? navigationLink(order) : null;
  const scans = allowedScans(expected);

  return (
    <div class="sheet-backdrop">
      <section
        class="sheet"
        role="dialog"
        aria-modal="true"
        aria-labelledby="sheet-title"
        data-testid="selected-order"
        data-order-id={orderId}
        data-status={order?.status ?? ''}
      >
        <header class="sheet-head">
          <h2 id="sheet-title" tabIndex={-1} ref={heading}>
            {action ? t(`action_${action}`) : t('order_title')} · <bdi>{order ? (order.external_id ?? order.id) : orderId}</bdi>
          </h2>
          <button type="button" class="button close" aria-label={t('close')} title={t('close')} onClick={onClose} data-testid="sheet-close">
            <span aria-hidden="true">×</span>
          </button>
        </header>
        {action === null ? (
          <>
            <div class="sheet-body">
              {order ? (
                <>
                  <OrderFacts order={order} />
                  {expected !== order.status && <p class="notice info">{t('order_expected', { status: t(`status_${expected!}`) })}</p>}
                  <div class="order-links">
                    {call && (
                      <a class="button link" href={call}>
                        {t('call')}
                      </a>
                    )}
                    {navigate && (
                      <a class="button link" href={navigate} target="_blank" rel="noopener noreferrer">
                        {t('navigate')}
                      </a>
                    )}
                  </div>
                </>
              ) : (
                <p class="notice warning" role="status">
                  {t(unknown?.missing === 'offline' ? 'code_unknown_offline' : 'code_not_yours')}
                </p>
              )}
            </div>
            <footer class="sheet-foot actions">
              {scans.length === 0 && <p class="empty">{t('no_actions')}</p>}
              {scans.map((type) => (
                <button
                  key={type}
                  type="button"
                  class={`button action action-${type}${PRIMARY.has(type) ? ' primary' : ''}`}
                  data-testid={`action-${type}`}
                  onClick={() => setAction(type)}
                >
                  {t(`action_${type}`)}
                </button>
              ))}
            </footer>
          </>
        ) : (
          <ActionForm
            type={action}
            order={order}
            orderId={orderId}
            courierId={courierId}
            place={place}
            onQueue={onQueue}
            onBack={() => setAction(null)}
          />
        )}
      </section>
    </div>
  );
}

/** The actions that finish a stop: drawn as the main buttons. */
const PRIMARY: ReadonlySet<ScanType> = new Set<ScanType>(['delivered', 'out_for_delivery', 'pickup']);

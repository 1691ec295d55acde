import { useEffect } from 'preact/hooks';
import { REASON_ORDER, type ExceptionReason, type ExceptionsModel } from './exceptions-model';
import type { LiveFeed } from './live-feed';
import { useModel } from './model';
import { OrderTable } from './order-table';
import { Banner, Empty, Loading, ReasonBadge } from './parts';

interface ExceptionsProps {
  model: ExceptionsModel;
  feed: LiveFeed;
  staleAfterHours: number;
}

/** Orders that need someone, most pressing first. */
export function Exceptions({ model, feed, staleAfterHours }: ExceptionsProps) {
  useModel(model);
  useEffect(() => void model.refresh(), [model]);
  const counts = new Map<ExceptionReason, number>();
  for (const row of model.rows) for (const reason of row.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const reasons = new Map(model.rows.map((row) => [row.order.id, row.reasons]));

  return (
    <div class="view exceptions">
      <div class="view-head">
        <h1>Exceptions</h1>
        <p class="muted">
          Failed attempts, held orders, orders past their promised time and open orders without an event for {staleAfterHours} hours.
        </p>
      </div>
      <div class="reason-summary" aria-label="Exceptions by reason">
        {REASON_ORDER.map((reason) => (
          <span key={reason} class="reason-count">
            <ReasonBadge reason={reason} />
            <strong>{counts.get(reason) ?? 0}</strong>
          </span>
        ))}
      </div>
      {model.error && <Banner>{model.error}</Banner>}
      {model.truncated && <Banner kind="info">Showing the first 200 orders of each kind; narrow it down from the order board.</Banner>}
      {!model.loaded ? (
        <Loading what="exceptions" />
      ) : (
        <OrderTable orders={model.rows.map((row) => row.order)} feed={feed} reasons={reasons} empty={<Empty title="Nothing needs attention.">Every open order is moving and on time.</Empty>} />
      )}
    </div>
  );
}

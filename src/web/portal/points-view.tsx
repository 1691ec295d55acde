import { useState } from 'preact/hooks';
import { ApiError } from '../shared/api';
import { newId } from '../courier/ids';
import { useObservable } from '../courier/observable';
import type { MessageKey } from './i18n/en';
import { Notice } from './parts';
import type { Points, RedemptionKind } from './points';
import { readPoints } from './typed';
import { useText } from './text';
import { when } from './when';
import type { LoyaltyEntry } from './wire';
import { refusalWords } from './words';
import { shortId } from './orders-view';

/** My points: the balance (`[data-testid=loyalty-balance]` with `data-balance`), redeeming, and the entries. */
export function PointsView({ points }: { points: Points }) {
  const { t, formats } = useText();
  useObservable(points);
  const balance = points.balance;
  return (
    <>
      <h1 class="view-title">{t('points_title')}</h1>
      {points.state === 'offline' && <Notice tone="warning">{t('offline')}</Notice>}
      {points.state === 'failed' && <Notice tone="warning">{t('load_failed')}</Notice>}
      <section class="panel balance-panel" aria-labelledby="balance-title">
        <h2 class="panel-title" id="balance-title">
          {t('points_balance')}
        </h2>
        {balance === null ? (
          <p class="empty" aria-busy="true">
            {t('loading')}
          </p>
        ) : (
          <p class="balance" data-testid="loyalty-balance" data-balance={String(balance)} aria-live="polite">
            {formats.formatNumber(balance)}
          </p>
        )}
        <p class="hint">{t('points_how')}</p>
      </section>
      {balance !== null && balance > 0 && <Redeem points={points} balance={balance} />}
      <section class="panel" aria-labelledby="history-title">
        <h2 class="panel-title" id="history-title">
          {t('points_history')}
        </h2>
        {points.state === 'ready' && points.entries.length === 0 ? (
          <p class="empty">{t('points_none')}</p>
        ) : (
          <ul class="entries">
            {points.entries.map((entry) => (
              <Entry key={entry.id} entry={entry} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function Entry({ entry }: { entry: LoyaltyEntry }) {
  const { t, formats } = useText();
  const reference = entry.order_id ? shortId(entry.order_id) : '';
  const words =
    entry.reason === 'accrual'
      ? t('entry_accrual', { reference })
      : entry.reason === 'reversal'
        ? t('entry_reversal', { reference })
        : entry.kind === 'charity'
          ? t('entry_charity')
          : t('entry_discount');
  const delta = `${entry.delta > 0 ? '+' : entry.delta < 0 ? '−' : ''}${formats.formatNumber(Math.abs(entry.delta))}`;
  return (
    <li class={`entry-row ${entry.delta >= 0 ? 'gain' : 'loss'}`} data-testid="loyalty-entry" data-reason={entry.reason}>
      <span class="entry-words">
        <span>{words}</span>
        <time dateTime={entry.at}>{when(formats, entry.at)}</time>
      </span>
      <span class="entry-delta" dir="ltr">
        {delta}
      </span>
    </li>
  );
}

/**
 * Redeeming as a discount or a donation. Each redemption has its own `event_id`, kept while it is retried (a lost
 * answer then counts once) and replaced once it is booked or the customer changes what to redeem.
 */
function Redeem({ points, balance }: { points: Points; balance: number }) {
  const { t, formats } = useText();
  const [typed, setTyped] = useState('');
  const [kind, setKind] = useState<RedemptionKind>('discount');
  const [eventId, setEventId] = useState(newId);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ key: MessageKey; tone: 'done' | 'warning'; points?: number } | null>(null);

  const change = (apply: () => void): void => {
    apply();
    setEventId(newId());
    setOutcome(null);
  };

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const wanted = readPoints(typed);
    if (wanted === null) {
      setOutcome({ key: 'redeem_invalid', tone: 'warning' });
      return;
    }
    if (wanted > balance) {
      setOutcome({ key: 'redeem_too_many', tone: 'warning' });
      return;
    }
    setBusy(true);
    setOutcome(null);
    try {
      await points.redeem(wanted, kind, eventId);
      setOutcome({ key: kind === 'charity' ? 'redeem_done_charity' : 'redeem_done_discount', tone: 'done', points: wanted });
      setTyped('');
      setEventId(newId());
    } catch (error) {
      // A refusal is final for this redemption; a lost answer is retried with the same event_id.
      if (error instanceof ApiError) {
        setOutcome({ key: refusalWords(error.code), tone: 'warning' });
        setEventId(newId());
      } else {
        setOutcome({ key: 'redeem_offline', tone: 'warning' });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="redeem-title">
      <h2 class="panel-title" id="redeem-title">
        {t('redeem_title')}
      </h2>
      <form class="stack" onSubmit={(event) => void submit(event)} noValidate>
        <fieldset class="choices">
          <legend>{t('redeem_kind_label')}</legend>
          {(['discount', 'charity'] as const).map((option) => (
            <label key={option} class={`choice${kind === option ? ' chosen' : ''}`}>
              <input
                type="radio"
                name="redeem-kind"
                value={option}
                checked={kind === option}
                data-testid={`redeem-kind-${option}`}
                onChange={() => change(() => setKind(option))}
              />
              <span class="choice-words">
                <span class="choice-title">{t(`redeem_${option}`)}</span>
                <span class="hint">{t(`redeem_${option}_hint`)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <label for="redeem-points">{t('redeem_points_label', { balance: formats.formatNumber(balance) })}</label>
        <input
          id="redeem-points"
          type="text"
          inputMode="numeric"
          autocomplete="off"
          data-testid="redeem-points"
          value={typed}
          onInput={(event) => {
            const value = event.currentTarget.value;
            change(() => setTyped(value));
          }}
        />
        <button type="submit" class="button primary wide" data-testid="redeem-submit" disabled={busy}>
          {busy ? t('redeem_sending') : t('redeem_submit')}
        </button>
        {outcome && (
          <Notice tone={outcome.tone} testId="redeem-outcome">
            {t(outcome.key, outcome.points === undefined ? undefined : { points: formats.formatNumber(outcome.points) })}
          </Notice>
        )}
      </form>
    </section>
  );
}

import type { FailReason } from '../../domain/proof';
import type { OrderStatus } from '../../domain/status';
import { fill, h } from './dom';
import { formatFull, formatWhen } from './format';
import { ATTEMPT_NEXT, REASON_WORDS, STATUS_WORDS, STEPS, stepIndex } from './statuses';

/** What the status panel shows. */
export interface StatusView {
  status: OrderStatus;
  /** When the status was reached (`occurred_at` of its event). */
  since: string;
  /** Furthest main-path step the order has reached (0-based), for the progress bar of an exception status. */
  furthestStep: number;
  eta: string | null;
  /**
   * An ETA is on its way (out for delivery to a destination with coordinates): its row is kept from the start, so
   * the first estimate fills it in instead of pushing the map down.
   */
  etaExpected: boolean;
  promisedBy: string | null;
  /** The destination's address, when the order has one. */
  address: string | null;
  /** Why the delivery attempt failed, while the status is `failed_attempt` and the reason is known. */
  reason: FailReason | null;
}

const FINISHED: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['delivered', 'returned', 'cancelled']);

/**
 * The top of the page: the status in words (`[data-testid=order-status]` with `data-status`), one sentence on
 * what it means (a failed attempt's reason first, `[data-testid=attempt-reason]` with `data-reason`), a progress bar
 * over the main path, and the promised and expected arrival times and the address. Status changes after the first,
 * and a reason that arrives after its status, are announced to screen readers through a polite live region.
 */
export class StatusPanel {
  readonly element: HTMLElement;
  private readonly status = h('div', { class: 'status', 'data-testid': 'order-status' });
  private readonly steps: HTMLLIElement[];
  private readonly progress: HTMLOListElement;
  private readonly times = h('dl', { class: 'times' });
  private readonly announcer = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true' });
  /** What the panel last said (status and reason), so only a change is announced. */
  private shown: string | null = null;

  constructor() {
    this.steps = STEPS.map((step) => h('li', { class: 'step', 'data-step': step.status }, h('span', { class: 'step-label' }, step.label)));
    this.progress = h('ol', { class: 'progress', 'aria-label': 'Delivery progress' }, ...this.steps);
    this.element = h('section', { class: 'panel status-panel', 'aria-labelledby': 'status-title' }, this.status, this.progress, this.times, this.announcer);
  }

  render(view: StatusView): void {
    const words = STATUS_WORDS[view.status];
    this.status.setAttribute('data-status', view.status);
    this.status.className = `status tone-${words.tone}`;
    const reason = view.reason && REASON_WORDS[view.reason];
    const sentences = reason ? [reason.sentence, ATTEMPT_NEXT] : [words.sentence];
    fill(
      this.status,
      h('h1', { id: 'status-title', class: 'status-title' }, words.title),
      reason && h('p', { class: 'status-reason', 'data-testid': 'attempt-reason', 'data-reason': view.reason! }, reason.sentence),
      h('p', { class: 'status-sentence' }, reason ? ATTEMPT_NEXT : words.sentence),
    );

    const current = stepIndex(view.status) >= 0 ? stepIndex(view.status) : view.furthestStep;
    this.progress.className = `progress tone-${words.tone}`;
    this.steps.forEach((step, index) => {
      step.classList.toggle('done', index <= current);
      if (index === current) step.setAttribute('aria-current', 'step');
      else step.removeAttribute('aria-current');
    });
    this.progress.setAttribute('aria-label', `Delivery progress: step ${current + 1} of ${STEPS.length}, ${STEPS[current]!.label}`);

    const rows: Array<[string, string | null, string?]> = [];
    if (!FINISHED.has(view.status) && (view.eta || view.etaExpected)) rows.push(['Expected', view.eta, 'eta']);
    if (!FINISHED.has(view.status) && view.promisedBy) rows.push(['Promised by', view.promisedBy]);
    rows.push([view.status === 'delivered' ? 'Delivered' : 'Last update', view.since]);
    fill(
      this.times,
      ...rows.flatMap(([label, iso, testId]) => [
        h('dt', {}, label),
        h(
          'dd',
          testId ? { 'data-testid': testId } : {},
          iso ? h('time', { datetime: iso, title: formatFull(iso) }, formatWhen(iso)) : h('span', { class: 'pending' }, 'Working it out…'),
        ),
      ]),
      view.address && h('dt', {}, view.status === 'delivered' ? 'Delivered to' : FINISHED.has(view.status) ? 'Address' : 'Delivering to'),
      view.address && h('dd', { class: 'address' }, view.address),
    );

    const said = `${view.status}:${view.reason ?? ''}`;
    if (this.shown !== null && this.shown !== said) this.announcer.textContent = `Status: ${words.title}. ${sentences.join(' ')}`;
    this.shown = said;
  }
}

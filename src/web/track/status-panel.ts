import type { FailReason } from '../../domain/proof';
import type { OrderStatus } from '../../domain/status';
import { fill, h } from './dom';
import type { MessageKey } from './i18n/en';
import { reasonWords, STATUS_TONES, statusSentence, statusTitle, STEPS, stepIndex, stepName } from './statuses';
import type { Text } from './text';

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
 * and a reason that arrives after its status, are announced to screen readers through a polite live region (a
 * change of language is not: nothing happened to the order).
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
  private view: StatusView | null = null;

  constructor(private text: Text) {
    this.steps = STEPS.map((step) => h('li', { class: 'step', 'data-step': step }, h('span', { class: 'step-label' })));
    this.progress = h('ol', { class: 'progress' }, ...this.steps);
    this.element = h('section', { class: 'panel status-panel', 'aria-labelledby': 'status-title' }, this.status, this.progress, this.times, this.announcer);
  }

  setText(text: Text): void {
    this.text = text;
    if (this.view) this.render(this.view);
  }

  render(view: StatusView): void {
    this.view = view;
    const { t, formats } = this.text;
    const tone = STATUS_TONES[view.status];
    const title = t(statusTitle(view.status));
    this.status.setAttribute('data-status', view.status);
    this.status.className = `status tone-${tone}`;
    const reason = view.reason && reasonWords(view.reason);
    const sentences = reason ? [t(reason.sentence), t('attempt_next')] : [t(statusSentence(view.status))];
    fill(
      this.status,
      h('h1', { id: 'status-title', class: 'status-title' }, title),
      reason && h('p', { class: 'status-reason', 'data-testid': 'attempt-reason', 'data-reason': view.reason! }, sentences[0]),
      h('p', { class: 'status-sentence' }, sentences.at(-1)),
    );

    const current = stepIndex(view.status) >= 0 ? stepIndex(view.status) : view.furthestStep;
    this.progress.className = `progress tone-${tone}`;
    this.steps.forEach((step, index) => {
      step.firstElementChild!.textContent = t(stepName(STEPS[index]!));
      step.classList.toggle('done', index <= current);
      if (index === current) step.setAttribute('aria-current', 'step');
      else step.removeAttribute('aria-current');
    });
    this.progress.setAttribute(
      'aria-label',
      t('progress_label', { step: formats.formatNumber(current + 1), count: formats.formatNumber(STEPS.length), name: t(stepName(STEPS[current]!)) }),
    );

    const rows: Array<[MessageKey, string | null, string?]> = [];
    if (!FINISHED.has(view.status) && (view.eta || view.etaExpected)) rows.push(['time_expected', view.eta, 'eta']);
    if (!FINISHED.has(view.status) && view.promisedBy) rows.push(['time_promised', view.promisedBy]);
    rows.push([view.status === 'delivered' ? 'time_delivered' : 'time_last_update', view.since]);
    const addressLabel: MessageKey = view.status === 'delivered' ? 'address_delivered' : FINISHED.has(view.status) ? 'address_finished' : 'address_delivering';
    fill(
      this.times,
      ...rows.flatMap(([label, iso, testId]) => [
        h('dt', {}, t(label)),
        h(
          'dd',
          testId ? { 'data-testid': testId } : {},
          iso
            ? h('time', { datetime: iso, title: formats.formatFull(iso) }, formats.formatWhen(iso))
            : h('span', { class: 'pending' }, t('time_pending')),
        ),
      ]),
      view.address && h('dt', {}, t(addressLabel)),
      // An address keeps its own direction (a Latin address on an Arabic page, say), lined up with the page's text.
      view.address && h('dd', { class: 'address' }, h('bdi', {}, view.address)),
    );

    const said = `${view.status}:${view.reason ?? ''}`;
    if (this.shown !== null && this.shown !== said) this.announcer.textContent = t('status_announced', { status: title, sentences: sentences.join(' ') });
    this.shown = said;
  }
}

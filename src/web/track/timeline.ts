import type { TrackingEvent } from '../../domain/tracking-view';
import type { OrderStatusUpdate } from '../../gateways/events';
import { h } from './dom';
import { formatFull, formatWhen } from './format';
import { REASON_WORDS, SCAN_WORDS, STATUS_WORDS } from './statuses';

/** One line of the timeline: an applied event, from the history or a live update (which carries no reason). */
type Entry = Pick<TrackingEvent, 'seq' | 'status' | 'scan_type' | 'occurred_at' | 'reason'>;

/**
 * The order's timeline, newest first. Events are keyed by seq, so an event that arrives twice (in the history and
 * again live) is shown once; a failed attempt that came live, without its reason, gets it when the history brings
 * it. A tracking link's history holds the applied events only (API.md "Tracking links").
 */
export class Timeline {
  readonly element: HTMLOListElement;
  private readonly entries: Array<{ entry: Entry; element: HTMLLIElement }> = [];
  private readonly keys = new Set<number>();

  constructor() {
    this.element = h('ol', { class: 'timeline', 'data-testid': 'timeline', 'aria-label': 'Order history, newest first' });
  }

  /** Adds the events of `GET /v1/orders/:id` (oldest first). */
  addHistory(events: readonly TrackingEvent[]): void {
    for (const event of events) this.add(event);
  }

  /** Adds one live update. */
  addUpdate(update: OrderStatusUpdate): void {
    this.add(update);
  }

  private add(entry: Entry): void {
    if (this.keys.has(entry.seq)) {
      this.fillIn(entry);
      return;
    }
    this.keys.add(entry.seq);
    const element = render(entry);
    // Newest first: applied events' times never go backwards along seq, so time then seq orders them.
    let index = this.entries.findIndex((other) => isNewer(entry, other.entry));
    if (index < 0) index = this.entries.length;
    this.element.insertBefore(element, this.entries[index]?.element ?? null);
    this.entries.splice(index, 0, { entry, element });
    this.markLatest();
  }

  /** The reason of an event shown without one. */
  private fillIn(entry: Entry): void {
    const shown = this.entries.find((other) => other.entry.seq === entry.seq);
    if (!shown || !entry.reason || shown.entry.reason) return;
    const element = render(entry);
    shown.element.replaceWith(element);
    shown.entry = entry;
    shown.element = element;
    this.markLatest();
  }

  private markLatest(): void {
    for (const [position, { element: item }] of this.entries.entries()) item.classList.toggle('latest', position === 0);
  }
}

function isNewer(entry: Entry, than: Entry): boolean {
  const difference = Date.parse(entry.occurred_at) - Date.parse(than.occurred_at);
  if (difference !== 0) return difference > 0;
  return entry.seq > than.seq;
}

function render(entry: Entry): HTMLLIElement {
  const words = STATUS_WORDS[entry.status];
  const details = entry.scan_type ? SCAN_WORDS[entry.scan_type] : null;
  const reason = entry.reason && REASON_WORDS[entry.reason];
  return h(
    'li',
    { class: `entry tone-${words.tone}`, 'data-seq': String(entry.seq), 'data-status': entry.status },
    h('span', { class: 'entry-dot', 'aria-hidden': 'true' }),
    h(
      'div',
      { class: 'entry-body' },
      h('span', { class: 'entry-title' }, words.title),
      reason && h('span', { class: 'entry-reason', 'data-testid': 'attempt-reason', 'data-reason': entry.reason }, reason.line),
      details && h('span', { class: 'entry-detail' }, details),
    ),
    h('time', { class: 'entry-time', datetime: entry.occurred_at, title: formatFull(entry.occurred_at) }, formatWhen(entry.occurred_at)),
  );
}

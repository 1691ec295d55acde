import type { TrackingEvent } from '../../domain/tracking-view';
import type { OrderStatusUpdate } from '../../gateways/events';
import { h } from './dom';
import { formatFull, formatWhen } from './format';
import { SCAN_WORDS, STATUS_WORDS } from './statuses';

/** One line of the timeline: an applied event, from the history or a live update. */
type Entry = Pick<TrackingEvent, 'seq' | 'status' | 'scan_type' | 'occurred_at'>;

/**
 * The order's timeline, newest first. Events are keyed by seq, so an event that arrives twice (in the history and
 * again live) is shown once. A tracking link's history holds the applied events only (API.md "Tracking links").
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
    if (this.keys.has(entry.seq)) return;
    this.keys.add(entry.seq);
    const element = render(entry);
    // Newest first: applied events' times never go backwards along seq, so time then seq orders them.
    let index = this.entries.findIndex((other) => isNewer(entry, other.entry));
    if (index < 0) index = this.entries.length;
    this.element.insertBefore(element, this.entries[index]?.element ?? null);
    this.entries.splice(index, 0, { entry, element });
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
  return h(
    'li',
    { class: `entry tone-${words.tone}`, 'data-seq': String(entry.seq), 'data-status': entry.status },
    h('span', { class: 'entry-dot', 'aria-hidden': 'true' }),
    h(
      'div',
      { class: 'entry-body' },
      h('span', { class: 'entry-title' }, words.title),
      details && h('span', { class: 'entry-detail' }, details),
    ),
    h('time', { class: 'entry-time', datetime: entry.occurred_at, title: formatFull(entry.occurred_at) }, formatWhen(entry.occurred_at)),
  );
}

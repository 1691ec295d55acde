import type { OrderEvent } from '../../domain/order';
import type { OrderStatusUpdate } from '../../gateways/events';
import { h } from './dom';
import { formatFull, formatWhen } from './format';
import { SCAN_WORDS, STATUS_WORDS } from './statuses';

/** One line of the timeline: an applied event (from the history or a live update) or a late one. */
type Entry = Pick<OrderEvent, 'seq' | 'status' | 'scan_type' | 'occurred_at'> & { note: string | null; key: string };

/**
 * The order's timeline, newest first. Applied events are keyed by seq, so an event that arrives twice (in the
 * history and again live) is shown once; late events (seq null, from the history only) are shown where their
 * time puts them, marked as reported late, without `data-seq`.
 */
export class Timeline {
  readonly element: HTMLOListElement;
  private readonly entries: Array<{ entry: Entry; element: HTMLLIElement }> = [];
  private readonly keys = new Set<string>();

  constructor() {
    this.element = h('ol', { class: 'timeline', 'data-testid': 'timeline', 'aria-label': 'Order history, newest first' });
  }

  /** Adds the events of `GET /v1/orders/:id` (oldest first, applied and late). */
  addHistory(events: OrderEvent[]): void {
    for (const event of events) {
      this.add({
        seq: event.seq,
        status: event.status,
        scan_type: event.scan_type,
        occurred_at: event.occurred_at,
        note: event.note,
        key: event.seq === null ? `late:${event.event_id}` : `seq:${event.seq}`,
      });
    }
  }

  /** Adds one live update (applied, so it has a seq). */
  addUpdate(update: OrderStatusUpdate): void {
    this.add({ ...update, note: null, key: `seq:${update.seq}` });
  }

  private add(entry: Entry): void {
    if (this.keys.has(entry.key)) return;
    this.keys.add(entry.key);
    const element = render(entry);
    // Newest first: applied events' times never go backwards along seq, so time then seq orders both kinds.
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
  return (entry.seq ?? -1) > (than.seq ?? -1);
}

function render(entry: Entry): HTMLLIElement {
  const words = STATUS_WORDS[entry.status];
  const details = [entry.scan_type ? SCAN_WORDS[entry.scan_type] : null, entry.note].filter(Boolean).join(' · ');
  return h(
    'li',
    {
      class: `entry tone-${words.tone}${entry.seq === null ? ' late' : ''}`,
      'data-seq': entry.seq === null ? undefined : String(entry.seq),
      'data-status': entry.status,
    },
    h('span', { class: 'entry-dot', 'aria-hidden': 'true' }),
    h(
      'div',
      { class: 'entry-body' },
      h('span', { class: 'entry-title' }, words.title),
      details && h('span', { class: 'entry-detail' }, details),
      entry.seq === null && h('span', { class: 'entry-detail' }, 'Reported late; it did not change the status'),
    ),
    h('time', { class: 'entry-time', datetime: entry.occurred_at, title: formatFull(entry.occurred_at) }, formatWhen(entry.occurred_at)),
  );
}

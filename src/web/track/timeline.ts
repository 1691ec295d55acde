import type { TrackingEvent } from '../../domain/tracking-view';
import type { OrderStatus } from '../../domain/status';
import type { OrderStatusUpdate } from '../../gateways/events';
import { h } from './dom';
import { reasonWords, scanWords, STATUS_TONES, statusTitle } from './statuses';
import type { Text } from './text';

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

  constructor(private text: Text) {
    this.element = h('ol', { class: 'timeline', 'data-testid': 'timeline' });
    this.label();
  }

  /** Adds the events of `GET /v1/orders/:id` (oldest first). */
  addHistory(events: readonly TrackingEvent[]): void {
    for (const event of events) this.add(event);
  }

  /** Adds one live update. */
  addUpdate(update: OrderStatusUpdate): void {
    this.add(update);
  }

  /** Says every entry again in `text`'s language. */
  setText(text: Text): void {
    this.text = text;
    this.label();
    for (const shown of this.entries) {
      const element = this.render(shown.entry);
      shown.element.replaceWith(element);
      shown.element = element;
    }
    this.markLatest();
  }

  private label(): void {
    this.element.setAttribute('aria-label', this.text.t('timeline_label'));
  }

  private add(entry: Entry): void {
    if (this.keys.has(entry.seq)) {
      this.fillIn(entry);
      return;
    }
    this.keys.add(entry.seq);
    const element = this.render(entry);
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
    const element = this.render(entry);
    shown.element.replaceWith(element);
    shown.entry = entry;
    shown.element = element;
    this.markLatest();
  }

  private markLatest(): void {
    for (const [position, { element: item }] of this.entries.entries()) item.classList.toggle('latest', position === 0);
  }

  private render(entry: Entry): HTMLLIElement {
    const { t, formats } = this.text;
    const status: OrderStatus = entry.status;
    const reason = entry.reason && reasonWords(entry.reason);
    return h(
      'li',
      { class: `entry tone-${STATUS_TONES[status]}`, 'data-seq': String(entry.seq), 'data-status': status },
      h('span', { class: 'entry-dot', 'aria-hidden': 'true' }),
      h(
        'div',
        { class: 'entry-body' },
        h('span', { class: 'entry-title' }, t(statusTitle(status))),
        reason && h('span', { class: 'entry-reason', 'data-testid': 'attempt-reason', 'data-reason': entry.reason }, t(reason.line)),
        entry.scan_type && h('span', { class: 'entry-detail' }, t(scanWords(entry.scan_type))),
      ),
      h('time', { class: 'entry-time', datetime: entry.occurred_at, title: formats.formatFull(entry.occurred_at) }, formats.formatWhen(entry.occurred_at)),
    );
  }
}

function isNewer(entry: Entry, than: Entry): boolean {
  const difference = Date.parse(entry.occurred_at) - Date.parse(than.occurred_at);
  if (difference !== 0) return difference > 0;
  return entry.seq > than.seq;
}

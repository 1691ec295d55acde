import type { LatLng } from '../../domain/order';
import type { TrackingClientEvents } from '../../client/tracking-client';
import type { OrderStatusUpdate } from '../../gateways/events';
import { Observable } from '../courier/observable';
import type { PortalLive } from './live';
import { isOffline, type PortalApi } from './portal-api';
import { ApiError } from '../shared/api';
import type { FailReason, OrderEvent, OrderStatus, OrderWithHistory } from './wire';

/** One line of the timeline: an applied event, from the order's history or a live update (which has no reason). */
export interface TimelineEntry {
  seq: number;
  status: OrderStatus;
  scan_type: OrderEvent['scan_type'];
  occurred_at: string;
  reason?: FailReason;
}

export type DetailState = 'loading' | 'ready' | 'missing' | 'offline' | 'failed';

/** Statuses whose live update leaves out what the view shows of them: a delivery's proof, a failed attempt's reason. */
const DETAILED: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['delivered', 'failed_attempt']);
/** Waits before reading again while a read does not hold the event it was asked for yet. */
const AGAIN_MS = [500, 1000, 2000, 4000];
/** The proof's links are signed for an hour: a picture failing after this long asks for new ones. */
const LINKS_FRESH_MS = 50 * 60_000;

/**
 * One order as the portal shows it (API.md "Customer portal": as the tracking page, with the proof of delivery and
 * the payment): read with its history, then followed live: each applied event once, in seq order; the courier's
 * position, the ETA, the arrival and the payment as they change. A delivery's proof and a failed attempt's reason
 * are not in the live updates: the order is read again for them.
 */
export class OrderDetail extends Observable {
  state: DetailState = 'loading';
  order: OrderWithHistory | null = null;
  /** The courier's latest position for this order (shown only while it is out for delivery). */
  courier: (LatLng & { at: string }) | null = null;
  private readonly entries = new Map<number, TimelineEntry>();
  private readonly early: OrderStatusUpdate[] = [];
  private readonly stops: Array<() => void> = [];
  private readAt = 0;
  private reading = false;
  private wanted = 0;
  private watching = false;
  private closed = false;

  constructor(
    private readonly api: PortalApi,
    private readonly live: PortalLive,
    readonly orderId: string,
  ) {
    super();
    const on = <E extends keyof TrackingClientEvents>(event: E, listener: TrackingClientEvents[E]): void => {
      this.stops.push(live.listen(event, listener));
    };
    on('update', (update) => this.applyUpdate(update));
    on('location', (update) => {
      if (update.order_id !== orderId) return;
      if (this.courier && Date.parse(update.at) < Date.parse(this.courier.at)) return; // an older ping, overtaken
      this.courier = { lat: update.lat, lng: update.lng, at: update.at };
      this.changed();
    });
    on('eta', ({ order_id, eta }) => this.patch(order_id, { eta }));
    on('arriving', ({ order_id, arriving_at }) => this.patch(order_id, { arriving_at }));
    on('payment', ({ order_id, payment }) => this.patch(order_id, { payment }));
  }

  /** The applied events, newest first. */
  get timeline(): TimelineEntry[] {
    return [...this.entries.values()].sort((a, b) => {
      const difference = Date.parse(b.occurred_at) - Date.parse(a.occurred_at);
      return difference !== 0 ? difference : b.seq - a.seq;
    });
  }

  /** The newest applied event's failed-attempt reason, while that is the order's status. */
  get reason(): FailReason | null {
    if (!this.order || this.order.status !== 'failed_attempt') return null;
    return this.entries.get(this.order.version)?.reason ?? null;
  }

  /** Reads the order and follows it. */
  async start(): Promise<void> {
    await this.read();
  }

  /** A picture of the proof did not load: its link may have run out. */
  pictureFailed(): void {
    if (Date.now() - this.readAt >= LINKS_FRESH_MS) void this.read();
  }

  close(): void {
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    if (this.watching) this.live.unwatch(this.orderId);
  }

  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          this.take(await this.api.get<OrderWithHistory>(`/v1/orders/${encodeURIComponent(this.orderId)}`));
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) this.state = 'missing';
          else if (!this.order) this.state = isOffline(error) ? 'offline' : 'failed';
          this.changed();
          return;
        }
        // A live update may name an event a read on another node does not hold yet: read again shortly.
        if ((this.order?.version ?? 0) >= this.wanted || attempt >= AGAIN_MS.length) return;
        await new Promise((resolve) => setTimeout(resolve, AGAIN_MS[attempt]));
      }
    } finally {
      this.reading = false;
    }
  }

  private take(read: OrderWithHistory): void {
    if (this.closed) return;
    this.readAt = Date.now();
    for (const event of read.history) {
      if (event.applied && event.seq !== null) this.entries.set(event.seq, entryOf(event, event.seq));
    }
    if (!this.order || read.version >= this.order.version) this.order = read;
    if (this.order.last_location && (!this.courier || Date.parse(this.order.last_location.at) > Date.parse(this.courier.at))) {
      this.courier = this.order.last_location;
    }
    this.state = 'ready';
    if (!this.watching) {
      this.watching = true;
      this.live.watch(this.orderId, this.order.version);
    }
    // Updates that came while the first read was on its way.
    for (const update of this.early.splice(0)) this.applyUpdate(update);
    this.changed();
  }

  private applyUpdate(update: OrderStatusUpdate): void {
    if (update.order_id !== this.orderId || this.closed) return;
    if (!this.order) {
      this.early.push(update);
      return;
    }
    if (!this.entries.has(update.seq)) this.entries.set(update.seq, entryOf(update, update.seq));
    if (update.seq <= this.order.version) {
      this.changed();
      return;
    }
    const skipped = update.seq > this.order.version + 1;
    this.order = { ...this.order, status: update.status, version: update.seq, updated_at: update.occurred_at };
    this.changed();
    // A gap (the list followed the order from an older seq than this read) or details the update lacks: read again.
    if (skipped || DETAILED.has(update.status)) {
      this.wanted = Math.max(this.wanted, update.seq);
      void this.read();
    }
  }

  private patch(orderId: string, change: Partial<OrderWithHistory>): void {
    if (orderId !== this.orderId || !this.order) return;
    this.order = { ...this.order, ...change };
    this.changed();
  }
}

function entryOf(event: Pick<OrderEvent, 'status' | 'scan_type' | 'occurred_at' | 'reason'>, seq: number): TimelineEntry {
  return { seq, status: event.status, scan_type: event.scan_type, occurred_at: event.occurred_at, ...(event.reason ? { reason: event.reason } : {}) };
}

/**
 * Today's orders (`GET /v1/couriers/me/orders`): read at start, when the app comes to the front or the network
 * comes back, after the outbox got something applied, and every half minute while the app is in view (cheap: one
 * small read; no socket needed). The last list read is kept on the device, so the app shows it with no network.
 */
import { ApiError } from '../shared/api';
import type { CourierApi } from './courier-api';
import type { DeviceStore } from './device-store';
import { Observable } from './observable';
import type { CourierOrder } from './wire';

const REFRESH_MS = 30_000;

/** What a typed or scanned code found. */
export type LookUp = { order: CourierOrder } | { missing: 'not_yours' | 'offline' };

export class TodayOrders extends Observable {
  items: CourierOrder[] = [];
  /** When the list shown was read from the server (ms since the epoch); null before the first read. */
  readAt: number | null = null;
  /** The last read failed: no network, or the server could not answer. */
  stale = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private generation = 0;

  constructor(
    private readonly store: DeviceStore,
    private readonly api: CourierApi,
  ) {
    super();
  }

  async start(): Promise<void> {
    const kept = await this.store.keptOrders();
    if (kept && this.readAt === null) {
      this.items = kept.items;
      this.readAt = kept.at;
      this.changed();
    }
    this.timer = setInterval(() => {
      if (document.visibilityState === 'visible') void this.refresh();
    }, REFRESH_MS);
    await this.refresh();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const generation = ++this.generation;
    try {
      const { items } = await this.api.get<{ items: CourierOrder[] }>('/v1/couriers/me/orders');
      if (generation !== this.generation) return; // a newer read is on its way
      this.items = items;
      this.readAt = Date.now();
      this.stale = false;
      await this.store.keepOrders(items);
    } catch {
      if (generation !== this.generation) return;
      this.stale = true;
    }
    this.changed();
  }

  /** The order of today's list a code names: its id, or its external id (a label's own reference). */
  find(code: string): CourierOrder | null {
    const wanted = code.trim();
    const folded = wanted.toLowerCase();
    return (
      this.items.find((order) => order.id === wanted || order.external_id === wanted) ??
      this.items.find((order) => order.id.toLowerCase() === folded || order.external_id?.toLowerCase() === folded) ??
      null
    );
  }

  /** Finds a code in today's list, else asks the server for an order of that id. */
  async lookUp(code: string): Promise<LookUp> {
    const found = this.find(code);
    if (found) return { order: found };
    try {
      const order = await this.api.get<CourierOrder>(`/v1/orders/${encodeURIComponent(code.trim())}`);
      return { order };
    } catch (error) {
      if (error instanceof ApiError && error.status < 500 && error.status !== 429) return { missing: 'not_yours' };
      return { missing: 'offline' };
    }
  }
}

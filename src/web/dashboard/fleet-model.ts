import type { Location } from '../../domain/order';
import type { DashboardApi } from './dashboard-api';
import type { LiveFeed } from './live-feed';
import { PolledModel } from './model';
import { ON_THE_ROAD } from './board-filters';
import type { OrderPage } from './wire';

export interface FleetCourier {
  id: string;
  /** Its orders on the road (shipped, in transit, out for delivery). */
  orderIds: Set<string>;
  /** Its latest known position, or null before it sent one. */
  position: Location | null;
}

/** Pages of active orders read per refresh: 1,000 orders on the road at once is a large fleet for one screen. */
const MAX_PAGES = 5;
const PAGE = 200;
/** Assignments change without a feed event: the active orders are read again this often. */
const REFRESH_MS = 30_000;

/**
 * The live fleet: every courier with an order on the road, at its latest position. Starts from the orders'
 * `last_location`, then follows `courier_location` events; an order leaving the road (delivered, failed,
 * returned) drops from its courier, and a courier with none left drops from the fleet.
 */
export class FleetModel extends PolledModel {
  readonly couriers = new Map<string, FleetCourier>();
  /** Couriers heard from since the running refresh started: its answer may predate them. */
  private readonly heardDuringRefresh = new Set<string>();

  constructor(
    private readonly api: DashboardApi,
    feed: LiveFeed,
  ) {
    super(REFRESH_MS);
    this.listen(
      feed.on('location', (update) => {
        const courier = this.courier(update.courier_id);
        courier.orderIds.add(update.order_id);
        this.heardDuringRefresh.add(courier.id);
        if (!courier.position || courier.position.at <= update.at) {
          courier.position = { lat: update.lat, lng: update.lng, at: update.at };
        }
        this.changed();
      }),
      feed.on('status', (update) => {
        const onTheRoad = ON_THE_ROAD.includes(update.status);
        const carrier = [...this.couriers.values()].find((courier) => courier.orderIds.has(update.order_id));
        if (carrier && !onTheRoad) {
          carrier.orderIds.delete(update.order_id);
          if (carrier.orderIds.size === 0) this.couriers.delete(carrier.id);
          this.changed();
        } else if (!carrier && onTheRoad) {
          this.throttle.request(); // which courier carries it is in the order, not in the event
        }
      }),
      feed.on('resynced', () => this.throttle.request()),
    );
  }

  /** Couriers with a position, in id order (what the map shows). */
  get placed(): FleetCourier[] {
    return [...this.couriers.values()].filter((courier) => courier.position).sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Every courier with an active order, in id order. */
  get all(): FleetCourier[] {
    return [...this.couriers.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The couriers of the orders on the road, at most {@link MAX_PAGES} pages of them (`truncated` beyond). */
  protected async read(): Promise<() => void> {
    this.heardDuringRefresh.clear();
    const found = new Map<string, FleetCourier>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query = `status=${ON_THE_ROAD.join(',')}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page: OrderPage = await this.api.get<OrderPage>(`/v1/orders?${query}`);
      for (const order of page.items) {
        if (!order.courier_id) continue;
        const courier = found.get(order.courier_id) ?? { id: order.courier_id, orderIds: new Set<string>(), position: null };
        found.set(order.courier_id, courier);
        courier.orderIds.add(order.id);
        if (order.last_location && (!courier.position || courier.position.at < order.last_location.at)) {
          courier.position = order.last_location;
        }
      }
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < MAX_PAGES);
    return () => {
      // Positions that arrived live while the orders were being read are newer than the stored ones.
      for (const courier of found.values()) {
        const live = this.couriers.get(courier.id)?.position;
        if (live && (!courier.position || courier.position.at < live.at)) courier.position = live;
      }
      for (const id of this.couriers.keys()) {
        if (!found.has(id) && !this.heardDuringRefresh.has(id)) this.couriers.delete(id);
      }
      for (const [id, courier] of found) this.couriers.set(id, courier);
      this.truncated = cursor !== null;
    };
  }

  private courier(id: string): FleetCourier {
    let courier = this.couriers.get(id);
    if (!courier) {
      courier = { id, orderIds: new Set(), position: null };
      this.couriers.set(id, courier);
    }
    return courier;
  }
}

/**
 * A simulated delivery fleet that drives the server through its public API only, as a courier app and a shop
 * system would: the shop places orders and marks them processing; couriers pick them up at their depot (a
 * `pickup` scan), pass the hub, go out for delivery and drive to each customer at city speed, reporting their
 * position every second; most deliveries succeed, some fail and are retried, a few are returned. Copy it as a
 * starting point for a real integration.
 */
import { CUSTOMERS, DEPOTS, STREETS, type Depot, type Place } from './city';

/** How busy the day is and how the couriers move, unless the options say otherwise. */
const PACE = {
  couriersPerDepot: 3,
  /** A new order arrives about this often. */
  orderEveryMs: 8000,
  /** Speed of the couriers in km/h. */
  speedKmh: 35,
  /** Position reports per courier. */
  pingMs: 1000,
  /** Dwell at a customer's door before the outcome is scanned. */
  dwellMs: 6000,
};

export interface FleetOptions extends Partial<typeof PACE> {
  /** Base URL of a node, e.g. http://127.0.0.1:3000 */
  url: string;
  /** The tenant's API key (the shop system's credential). */
  apiKey: string;
  random?: () => number;
  /** Told of what happens (for the demo's console). */
  log?: (line: string) => void;
}

interface PlacedOrder {
  id: string;
  tracking_token: string;
  external_id: string;
  destination: { address: string; lat: number; lng: number };
  failedOnce: boolean;
}

interface Courier {
  id: string;
  token: string;
  depot: Depot;
  at: { lat: number; lng: number };
  /** Orders loaded, in delivery order. */
  load: PlacedOrder[];
  /** Orders this courier failed to deliver, taken out again on its next round (they are assigned to it). */
  retry: PlacedOrder[];
  busy: boolean;
}

const METRES_PER_DEGREE = 111_320;

/** The fleet: call {@link start}, then {@link stop}. */
export class DemoFleet {
  private readonly couriers: Courier[] = [];
  private readonly waiting = new Map<Depot, PlacedOrder[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly random: () => number;
  private readonly pace: typeof PACE;
  private stopped = false;
  private serial = 0;

  constructor(private readonly options: FleetOptions) {
    this.random = options.random ?? Math.random;
    this.pace = { ...PACE };
    for (const name of Object.keys(PACE) as Array<keyof typeof PACE>) this.pace[name] = options[name] ?? PACE[name];
    for (const depot of DEPOTS) this.waiting.set(depot, []);
  }

  /** Creates couriers, places a first batch of orders and starts the day. Resolves with a few placed orders. */
  async start(initialOrders = 12): Promise<PlacedOrder[]> {
    const perDepot = this.pace.couriersPerDepot;
    for (const depot of DEPOTS) {
      for (let i = 0; i < perDepot; i++) {
        const id = `courier-${this.couriers.length + 1}`;
        const { token } = await this.call<{ token: string }>('POST', '/v1/tokens', this.options.apiKey, {
          role: 'courier',
          subject: id,
          ttl_s: 30 * 24 * 3600,
        });
        this.couriers.push({ id, token, depot, at: { lat: depot.lat, lng: depot.lng }, load: [], retry: [], busy: false });
      }
    }
    const first: PlacedOrder[] = [];
    for (let i = 0; i < initialOrders; i++) first.push(await this.newOrder());
    this.every(this.pace.orderEveryMs, () => this.newOrder());
    this.every(2000, () => this.dispatch());
    void this.dispatch();
    return first;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
  }

  /** The shop places an order for a customer in one of the depot's districts and marks it processing. */
  private async newOrder(): Promise<PlacedOrder> {
    const depot = DEPOTS[Math.floor(this.random() * DEPOTS.length)]!;
    const district = pick(depot.districts, this.random);
    const name = pick(CUSTOMERS, this.random);
    const serial = ++this.serial;
    const spot = nudge(district, 500, this.random);
    const body = {
      external_id: `HK-${Date.now().toString(36).toUpperCase()}-${serial}`,
      customer: {
        id: `cust-${serial}`,
        name,
        email: `${name.toLowerCase().replace(/\s+/g, '.')}@example.hk`,
        phone: `+8529${String(1000000 + Math.floor(this.random() * 8999999)).slice(0, 7)}`,
        locale: 'en',
      },
      destination: { address: `${1 + Math.floor(this.random() * 300)} ${pick(STREETS, this.random)}, ${district.name}`, ...spot },
      amount: { value: 5000 + Math.floor(this.random() * 95000), currency: 'HKD' },
      items: [{ sku: `SKU-${100 + Math.floor(this.random() * 900)}`, qty: 1 + Math.floor(this.random() * 3) }],
      notify: { email: true },
      promised_by: new Date(Date.now() + (45 + Math.floor(this.random() * 120)) * 60_000).toISOString(),
    };
    const placed = await this.call<PlacedOrder>('POST', '/v1/orders', this.options.apiKey, body);
    await this.status(placed.id, 'processing');
    const order = { ...placed, external_id: body.external_id, destination: body.destination, failedOnce: false };
    this.waiting.get(depot)!.push(order);
    this.options.log?.(`order ${order.external_id} for ${district.name}`);
    return order;
  }

  /** Idle couriers at a depot with waiting orders load up to four and set off. */
  private async dispatch(): Promise<void> {
    for (const courier of this.couriers) {
      if (this.stopped || courier.busy) continue;
      const queue = this.waiting.get(courier.depot)!;
      if (queue.length === 0 && courier.retry.length === 0) continue;
      courier.busy = true;
      courier.load = [...courier.retry.splice(0), ...queue.splice(0, 1 + Math.floor(this.random() * 4))];
      void this.trip(courier).catch((error: Error) => this.options.log?.(`${courier.id}: ${error.message}`)).finally(() => {
        courier.busy = false;
      });
    }
  }

  /** One round: pickup at the depot (new orders), hub scans, then each stop in turn, and back to the depot. */
  private async trip(courier: Courier): Promise<void> {
    const fresh = courier.load.filter((order) => !order.failedOnce);
    if (fresh.length > 0) {
      await this.scan(courier, fresh.map((order) => [order, 'pickup'] as const));
      await this.scan(courier, fresh.map((order) => [order, 'hub_in'] as const));
    }
    await this.scan(courier, courier.load.map((order) => [order, 'out_for_delivery'] as const));
    const stops = orderByDistance(courier.at, courier.load);
    for (const order of stops) {
      if (this.stopped) return;
      await this.drive(courier, order.destination);
      await this.pause(this.pace.dwellMs);
      const roll = this.random();
      if (!order.failedOnce && roll < 0.12) {
        // Nobody home: the same courier tries again on its next round.
        order.failedOnce = true;
        await this.scan(courier, [[order, 'failed_attempt']]);
        courier.retry.push(order);
      } else if (order.failedOnce && roll < 0.3) {
        await this.scan(courier, [[order, 'failed_attempt']]);
        await this.status(order.id, 'returned');
      } else {
        await this.scan(courier, [[order, 'delivered']]);
        if (roll > 0.97) await this.status(order.id, 'returned'); // sent back by the customer
      }
    }
    await this.drive(courier, courier.depot);
  }

  /** Moves the courier to `to` at city speed, reporting its position every ping. */
  private async drive(courier: Courier, to: { lat: number; lng: number }): Promise<void> {
    const speed = (this.pace.speedKmh * 1000) / 3600; // m/s
    const pingMs = this.pace.pingMs;
    const from = { ...courier.at };
    const metres = distanceMetres(from, to);
    const steps = Math.max(1, Math.ceil(metres / (speed * (pingMs / 1000))));
    const heading = (Math.atan2(to.lng - from.lng, to.lat - from.lat) * 180) / Math.PI;
    for (let step = 1; step <= steps && !this.stopped; step++) {
      const t = step / steps;
      // A gentle sideways wave, so a route does not look ruled with a pencil.
      const wave = Math.sin(t * Math.PI * 3) * 0.0004 * (1 - Math.abs(2 * t - 1));
      courier.at = { lat: from.lat + (to.lat - from.lat) * t + wave, lng: from.lng + (to.lng - from.lng) * t - wave };
      await this.call('POST', '/v1/couriers/me/location', courier.token, {
        lat: round6(courier.at.lat),
        lng: round6(courier.at.lng),
        heading: Math.round((heading + 360) % 360),
        speed: Math.round(speed * 10) / 10,
      });
      await this.pause(pingMs);
    }
  }

  private async scan(courier: Courier, scans: ReadonlyArray<readonly [PlacedOrder, string]>): Promise<void> {
    const body = {
      scans: scans.map(([order, type]) => ({
        event_id: `${order.id}-${type}-${Date.now().toString(36)}`,
        order_id: order.id,
        type,
        occurred_at: new Date().toISOString(),
        location: { lat: round6(courier.at.lat), lng: round6(courier.at.lng) },
      })),
    };
    const { results } = await this.call<{ results: Array<{ outcome: string; error?: { message: string } }> }>(
      'POST',
      '/v1/scans',
      courier.token,
      body,
    );
    results.forEach((result, index) => {
      const [order, type] = scans[index]!;
      if (result.outcome === 'rejected') this.options.log?.(`${courier.id}: ${type} of ${order.external_id} refused: ${result.error?.message}`);
      else if (type === 'delivered' || type === 'failed_attempt') this.options.log?.(`${courier.id}: ${order.external_id} ${type.replace('_', ' ')}`);
    });
  }

  private status(orderId: string, status: string): Promise<unknown> {
    return this.call('POST', `/v1/orders/${orderId}/status`, this.options.apiKey, { status });
  }

  private async call<T = unknown>(method: string, path: string, token: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.options.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  private every(ms: number, run: () => Promise<unknown>): void {
    const timer = setInterval(() => {
      if (!this.stopped) void run().catch((error: Error) => this.options.log?.(error.message));
    }, ms);
    this.timers.add(timer);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A point within `metres` of a place. */
function nudge(place: Place, metres: number, random: () => number): { lat: number; lng: number } {
  const spread = metres / METRES_PER_DEGREE;
  return { lat: round6(place.lat + (random() - 0.5) * spread), lng: round6(place.lng + (random() - 0.5) * spread) };
}

function orderByDistance(from: { lat: number; lng: number }, orders: PlacedOrder[]): PlacedOrder[] {
  const left = [...orders];
  const route: PlacedOrder[] = [];
  let at = from;
  while (left.length > 0) {
    left.sort((a, b) => distanceMetres(at, a.destination) - distanceMetres(at, b.destination));
    const next = left.shift()!;
    route.push(next);
    at = next.destination;
  }
  return route;
}

/** Equirectangular distance: plenty for a few kilometres of simulated driving. */
function distanceMetres(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const x = (b.lng - a.lng) * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  const y = b.lat - a.lat;
  return Math.sqrt(x * x + y * y) * METRES_PER_DEGREE;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

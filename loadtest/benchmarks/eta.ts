import { CourierActor, type CourierActorDeps } from '../../src/actors/courier-actor';
import { estimateArrival, etaMoved, SpeedTrack } from '../../src/domain/eta';
import type { Order } from '../../src/domain/order';
import { DEFAULT_TENANT_SETTINGS } from '../../src/domain/tenant-settings';
import { ARRIVAL_TRACK, ARRIVED_AFTER_S, DESTINATION } from '../../test/support/arrival-track';
import { buildOrder } from '../../test/support/store-contract';
import { round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

/**
 * The ETA work a courier position costs (API.md "Arrival"), in process: a courier actor answering pings for its
 * orders out for delivery (speed, distance, ETA and radius per order) against the same actor for orders that are
 * only in transit (no ETA work), so the difference is what Arrival adds per position. Also the ETA's error on the
 * recorded track: at each fix, the estimate against the actual arrival.
 */
export const eta: Benchmark = {
  name: 'eta',
  description: 'ETA work per courier position (courier actor, in process) and ETA error on the recorded track',
  defaults: { positions: 200_000, orders: 1 },
  target: '≤ 20 µs of ETA work per position and order',
  async run({ options, progress }) {
    const positions = options.positions!;
    const perOrder = options.orders!;
    const outForDelivery = await pingCost(positions, perOrder, 'out_for_delivery', progress);
    const inTransit = await pingCost(positions, perOrder, 'in_transit', progress);
    const etaWorkUs = Math.max(0, outForDelivery - inTransit);
    const perOrderUs = etaWorkUs / perOrder;
    const error = trackError();
    const table = [
      'ETA on the recorded track (time to the actual arrival → estimate minus actual arrival; pushed: what watchers had):',
      ...error.rows.map(
        (row) =>
          `  t-${String(row.toGoS).padStart(3)} s  distance ${String(Math.round(row.remainingM)).padStart(5)} m  error ${signed(row.errorS)} s  pushed ${signed(row.pushedErrorS)} s`,
      ),
    ];
    process.stdout.write(`${table.join('\n')}\n`);
    return {
      metrics: {
        positions,
        orders_per_courier: perOrder,
        ping_us_out_for_delivery: round(outForDelivery, 3),
        ping_us_in_transit: round(inTransit, 3),
        eta_work_us_per_position: round(etaWorkUs, 3),
        eta_work_us_per_order: round(perOrderUs, 3),
        track_fixes: error.rows.length,
        track_mean_abs_error_s: error.meanAbsS,
        track_max_abs_error_s: error.maxAbsS,
      },
      reference: { name: 'the same pings, orders in transit (no ETA work)', metrics: { ping_us: round(inTransit, 3) } },
      targets: [{ target: '≤ 20 µs of ETA work per position and order', measured: `${round(perOrderUs, 2)} µs`, met: perOrderUs <= 20 }],
      notes: table,
    };
  },
};

/** Mean µs per ping of one courier actor whose `orders` orders all have `status`. */
async function pingCost(positions: number, orders: number, status: Order['status'], progress: (line: string) => void): Promise<number> {
  const courierOrders = Array.from({ length: orders }, () =>
    buildOrder('t1', { status, courier_id: 'k1', destination: { address: 'x', ...DESTINATION } }),
  );
  const deps: CourierActorDeps = {
    store: {
      search: { searchOrders: async () => ({ items: courierOrders, next: null }) },
      tenants: { getTenantSettings: async () => DEFAULT_TENANT_SETTINGS },
    },
    now: Date.now,
    refreshMs: 3_600_000,
  };
  const run = async (count: number): Promise<number> => {
    const actor = new CourierActor('t1', 'k1', deps);
    const base = Date.now();
    const started = performance.now();
    for (let index = 0; index < count; index++) {
      // The track again and again, each lap later than the one before so every fix is newer.
      const lap = Math.floor(index / ARRIVAL_TRACK.length);
      const fix = ARRIVAL_TRACK[index % ARRIVAL_TRACK.length]!;
      const at = new Date(base + (lap * (ARRIVED_AFTER_S + 10) + fix.offsetS) * 1000).toISOString();
      await actor.receive({ kind: 'ping', position: { lat: fix.lat, lng: fix.lng, at } });
      if (index % 50_000 === 0) progress(`${status}: ${index.toLocaleString()} positions`);
    }
    return ((performance.now() - started) * 1000) / count;
  };
  await run(Math.min(positions, 20_000)); // warm-up: JIT
  return run(positions);
}

interface ErrorRow {
  toGoS: number;
  remainingM: number;
  errorS: number;
  pushedErrorS: number;
}

/** The estimate at each fix of the recorded track (clock = the fix's time) against the actual arrival. */
function trackError(): { rows: ErrorRow[]; meanAbsS: number; maxAbsS: number } {
  const track = new SpeedTrack();
  const arrivalMs = ARRIVED_AFTER_S * 1000;
  let pushed: string | null = null;
  const rows: ErrorRow[] = [];
  for (const fix of ARRIVAL_TRACK.slice(0, -1)) {
    const nowMs = fix.offsetS * 1000;
    track.add({ lat: fix.lat, lng: fix.lng, at: new Date(nowMs).toISOString() });
    const estimate = estimateArrival(fix, DESTINATION, track.speed(), nowMs);
    if (etaMoved(pushed, estimate.etaMs)) pushed = new Date(estimate.etaMs).toISOString();
    rows.push({
      toGoS: ARRIVED_AFTER_S - fix.offsetS,
      remainingM: estimate.remainingM,
      errorS: Math.round((estimate.etaMs - arrivalMs) / 1000),
      pushedErrorS: Math.round((Date.parse(pushed!) - arrivalMs) / 1000),
    });
  }
  const absolute = rows.map((row) => Math.abs(row.errorS));
  return { rows, meanAbsS: round(absolute.reduce((sum, value) => sum + value, 0) / absolute.length, 1), maxAbsS: Math.max(...absolute) };
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value}`.padStart(5);
}

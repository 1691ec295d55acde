import pg from 'pg';
import type { Socket } from 'socket.io-client';
import { BENCH_DATABASE_URL, inBatches, Nodes, redisCounters, tenant } from '../lib/nodes';
import { cpuProfileArgs, generatorLoopDelay, JsonClient, openSocket, ServerView, sleep, subscribe, withTimeout } from '../lib/sockets';
import { cpuSeconds } from '../lib/process-cpu';
import { startSmtpSink } from '../lib/smtp-sink';
import { perUnit, Recorder, round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

/**
 * The design brief's day: 1,000,000 orders and 10,000,000 status updates, about 116 events/s on average and 560/s
 * at the peak hour. Relative load by hour of a delivery day (morning dispatch, midday deliveries, an evening
 * wave); the replay scales it so the busiest hour runs at `--peak` events/s.
 */
const HOURLY_LOAD = [
  0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.06, 0.12, 0.3, 0.6, 1.0, 0.8, 0.45, 0.35, 0.3, 0.28, 0.3, 0.4, 0.35, 0.22, 0.12, 0.06, 0.03, 0.02,
];
const DESIGN_PEAK_PER_S = 560;
const DESIGN_AVERAGE_PER_S = 116;

/** One order's life: placement, then nine status events (10 events per order, as in the brief's day). */
type Step =
  | { kind: 'place' }
  | { kind: 'status'; status: 'processing' }
  | { kind: 'scan'; type: 'pickup' | 'hub_in' | 'hub_out' | 'out_for_delivery' | 'delivered' };
const LIFE: Step[] = [
  { kind: 'place' },
  { kind: 'status', status: 'processing' },
  { kind: 'scan', type: 'pickup' },
  { kind: 'scan', type: 'hub_in' },
  { kind: 'scan', type: 'hub_out' },
  { kind: 'scan', type: 'hub_in' },
  { kind: 'scan', type: 'hub_out' },
  { kind: 'scan', type: 'hub_in' },
  { kind: 'scan', type: 'out_for_delivery' },
  { kind: 'scan', type: 'delivered' },
];

interface Courier {
  id: string;
  token: string;
}

interface Watcher {
  customerId: string;
  socket: Socket;
  /** The order it watches now (a customer watches their newest order until it is delivered). */
  orderId: string | null;
}

interface LiveOrder {
  id: string;
  step: number;
  courier: Courier;
  customerId: string;
  watcher: Watcher | null;
}

/** What the replay sends and what it saw come back. */
class DayTraffic {
  readonly events = new Recorder();
  readonly peakEvents = new Recorder();
  readonly pings = new Recorder();
  failures = 0;
  lastFailure = '';
  sent = 0;
  private ready: LiveOrder[] = [];
  private nextOrder = 0;
  private nextEvent = 0;
  inPeak = false;
  /** Per watched order: the last seq its watcher got, and anything missed, repeated or out of order. */
  readonly lastSeen = new Map<string, number>();
  readonly finalSeq = new Map<string, number>();
  duplicates = 0;
  outOfOrder = 0;
  pushes = 0;

  constructor(
    private readonly http: JsonClient,
    private readonly apiKey: string,
    private readonly couriers: Courier[],
    private readonly watchers: Watcher[],
    private readonly sinkDomain: string,
    /** Share of placed orders whose customer has a watching socket (when one is free). */
    private readonly watchedShare: number,
  ) {
    for (const watcher of watchers) {
      watcher.socket.on('order_status_update', (update: { order_id: string; seq: number }) => this.received(update));
    }
  }

  /** Sends the next event of the day: advances a ready order, or places a new one when none is ready. */
  async next(): Promise<void> {
    const order = this.ready.length > 0 ? this.ready.splice(Math.floor(Math.random() * this.ready.length), 1)[0]! : null;
    const started = performance.now();
    this.sent++;
    try {
      if (order === null) await this.place();
      else await this.advance(order);
      const took = performance.now() - started;
      this.events.record(took);
      if (this.inPeak) this.peakEvents.record(took);
    } catch (error) {
      this.failures++;
      this.lastFailure = (error as Error).message;
    }
  }

  /** A courier's position for the orders it carries. */
  async ping(courier: Courier): Promise<void> {
    const started = performance.now();
    const response = await this.http.request('POST', '/v1/couriers/me/location', courier.token, {
      lat: 22.28 + Math.random() * 0.1,
      lng: 114.12 + Math.random() * 0.1,
      speed: 6,
      at: new Date().toISOString(),
    });
    if (response.status === 204) this.pings.record(performance.now() - started);
    else {
      this.failures++;
      this.lastFailure = `location ${response.status}`;
    }
  }

  private async place(): Promise<void> {
    const index = this.nextOrder++;
    const courier = this.couriers[index % this.couriers.length]!;
    const free = Math.random() < this.watchedShare ? this.watchers.find((watcher) => watcher.orderId === null) : undefined;
    const customerId = free ? free.customerId : `day-c${index}`;
    const created = await this.http.post<{ id: string }>('/v1/orders', this.apiKey, {
      external_id: `day-${index}`,
      customer: { id: customerId, name: `Customer ${index}`, email: `${customerId}@${this.sinkDomain}` },
      destination: { address: `${index} Harbour Road`, lat: 22.28, lng: 114.17 },
      amount: { value: 12_900, currency: 'HKD' },
      notify: { email: true },
    });
    await this.http.post(`/v1/orders/${created.id}/assign`, this.apiKey, { courier_id: courier.id });
    const order: LiveOrder = { id: created.id, step: 1, courier, customerId, watcher: null };
    if (free && free.orderId === null) {
      free.orderId = order.id;
      order.watcher = free;
      const ack = await subscribe<{ ok: boolean; order: { version: number } }>(free.socket, order.id);
      this.lastSeen.set(order.id, ack.order.version);
    }
    this.ready.push(order);
  }

  private async advance(order: LiveOrder): Promise<void> {
    const step = LIFE[order.step]!;
    const eventId = `day-e${this.nextEvent++}`;
    let seq: number;
    if (step.kind === 'status') {
      const answer = await this.http.post<{ version: number }>(`/v1/orders/${order.id}/status`, this.apiKey, { status: step.status, event_id: eventId });
      seq = answer.version;
    } else if (step.kind === 'scan') {
      const answer = await this.http.post<{ results: Array<{ outcome: string; seq?: number; error?: { code: string } }> }>(
        '/v1/scans',
        order.courier.token,
        { scans: [{ event_id: eventId, order_id: order.id, type: step.type, occurred_at: new Date().toISOString() }] },
      );
      const result = answer.results[0]!;
      if (result.outcome !== 'applied' || result.seq === undefined) throw new Error(`scan ${step.type}: ${result.outcome} ${result.error?.code ?? ''}`);
      seq = result.seq;
    } else throw new Error('an order is placed once');
    if (order.watcher) this.finalSeq.set(order.id, seq);
    order.step++;
    if (order.step < LIFE.length) this.ready.push(order);
    else if (order.watcher) {
      // Delivered: the customer stops watching once the last push is in, and the socket takes the next order.
      const watcher = order.watcher;
      void this.whenSeen(order.id, seq).then(() => {
        watcher.socket.emit('unsubscribe', { order_id: order.id }, () => {});
        watcher.orderId = null;
      });
    }
  }

  private readonly waiting = new Map<string, { seq: number; resolve: () => void }>();

  private whenSeen(orderId: string, seq: number): Promise<void> {
    if ((this.lastSeen.get(orderId) ?? 0) >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(orderId, { seq, resolve }));
  }

  private received(update: { order_id: string; seq: number }): void {
    const last = this.lastSeen.get(update.order_id);
    if (last === undefined) return;
    this.pushes++;
    if (update.seq <= last) this.duplicates++;
    else {
      if (update.seq !== last + 1) this.outOfOrder++;
      this.lastSeen.set(update.order_id, update.seq);
    }
    const waiting = this.waiting.get(update.order_id);
    if (waiting && update.seq >= waiting.seq) {
      this.waiting.delete(update.order_id);
      waiting.resolve();
    }
  }

  /** Watched orders whose watcher has not (yet) had every applied event. */
  missed(): number {
    let missed = 0;
    for (const [orderId, seq] of this.finalSeq) missed += Math.max(0, seq - (this.lastSeen.get(orderId) ?? 0));
    return missed;
  }

  get ordersPlaced(): number {
    return this.nextOrder;
  }
}

interface DependencyCounters {
  /** INFO stats total_commands_processed: a script's inner commands counted too. */
  redisCommands: number;
  /** INFO commandstats: calls per command. */
  redisByCommand: Map<string, number>;
  /** pg_stat_database xact_commit of the benchmark's database. */
  pgTransactions: number;
  /** pg_stat_statements calls in the benchmark's database, when the server has it loaded; else null. */
  pgStatements: number | null;
}

/**
 * What the day costs its dependencies: Redis commands processed (INFO stats, and per command) and, on PostgreSQL,
 * transactions committed in the benchmark's database (and statements, where the server runs pg_stat_statements),
 * read before and after a phase. The Redis server is the benchmark's alone while it runs; so is the database.
 */
async function dependencyCounters(postgres: boolean): Promise<DependencyCounters> {
  const redis = await redisCounters();
  const counters: DependencyCounters = { redisCommands: redis.total, redisByCommand: redis.byCommand, pgTransactions: 0, pgStatements: null };
  if (!postgres) return counters;
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
  await client.connect();
  try {
    // Statistics are sent to the collector at transaction end and read through a snapshot: clear it first.
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ xact_commit: string }>('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()');
    counters.pgTransactions = Number(rows[0]?.xact_commit ?? 0);
    // PostgreSQL counts statements only through pg_stat_statements: loaded at server start and created in the
    // database. Without it (the benchmark changes no server setting) the node's own count is the statement figure.
    // (shared_preload_libraries is readable by superusers and pg_read_all_settings only: otherwise taken as absent.)
    const loaded = await client
      .query<{ ready: boolean }>(
        "SELECT 'pg_stat_statements' = ANY (string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS ready",
      )
      .then(({ rows }) => rows[0]?.ready === true)
      .catch(() => false);
    if (loaded) {
      const { rows: calls } = await client.query<{ calls: string | null }>(
        'SELECT sum(calls)::text AS calls FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())',
      );
      counters.pgStatements = Number(calls[0]?.calls ?? 0);
    }
    return counters;
  } finally {
    await client.end();
  }
}

/** Counts emails by recipient and subject (one alert = one distinct pair; a repeat is a double send). */
async function startSink(domain: string) {
  const seen = new Set<string>();
  let received = 0;
  let repeated = 0;
  const sink = await startSmtpSink({
    keepBody: true,
    onMessage: ({ to, raw }) => {
      const head = raw!.split('\r\n\r\n')[0] ?? '';
      const key = `${to}\u0000${/^Subject: (.*)$/im.exec(head)?.[1] ?? ''}`;
      received++;
      if (seen.has(key)) repeated++;
      seen.add(key);
    },
  });
  return {
    url: sink.url,
    domain,
    get received() {
      return received;
    },
    get repeated() {
      return repeated;
    },
    close: sink.close,
  };
}

/**
 * A compressed delivery day on one node: the brief's hourly shape, each hour `--duration`/24 seconds long at its real
 * rate (placements and nine status events per order through the HTTP API, couriers' positions, customers watching
 * their orders over sockets, email alerts to a local SMTP server). Then the same mix as fast as `--connections`
 * lanes can send it: the node's capacity, and its headroom over the brief's peak as a ratio.
 */
export const day: Benchmark = {
  name: 'day',
  description: "the design brief's day compressed (placements, scans, positions, watching sockets, alerts) on one node; headroom over its 560 events/s peak",
  defaults: { duration: 72, peak: DESIGN_PEAK_PER_S, couriers: 100, pings: 200, sockets: 500, watched: 0.5, saturate_s: 20, connections: 48, pg: 0, cpuprof: 0 },
  target:
    'the peak hour at 560 events/s with HTTP p99 ≤ 100 ms and 0 pushes missed, duplicated or out of order; headroom (capacity ÷ 560/s) ≥ 2; per event ≤ 8 Redis commands, ≤ 1.0 ms node CPU, and with --pg 1 ≤ 1.5 PostgreSQL transactions and ≤ 2.5 statements',
  async run({ options, progress }) {
    const duration = options.duration!;
    const peak = options.peak!;
    const sink = await startSink('day.example');
    const nodes = new Nodes({ postgres: options.pg === 1 });
    const profile = cpuProfileArgs(options.cpuprof === 1, 'day');
    const watchers: Watcher[] = [];
    const clients: JsonClient[] = [];
    try {
      progress('starting node');
      const server = await withTimeout(nodes.start({ SMTP_URL: sink.url, RATE_LIMIT_BUSINESS: '1000000/s', RATE_LIMIT_USER: '1000000/s' }, profile.nodeArgs), 60_000, 'node start');
      const http = new JsonClient(server.url, options.connections! + 16);
      clients.push(http);
      const apiKey = await tenant(server.url);

      progress(`${options.couriers} couriers, ${options.sockets} customer sockets`);
      const couriers = await inBatches(Array.from({ length: options.couriers! }, (_, index) => `day-k${index}`), 16, async (id) => {
        const { token } = await http.post<{ token: string }>('/v1/tokens', apiKey, { role: 'courier', subject: id, ttl_s: 7200 });
        return { id, token };
      });
      await inBatches(Array.from({ length: options.sockets! }, (_, index) => `day-w${index}`), 32, async (customerId) => {
        const { token } = await http.post<{ token: string }>('/v1/tokens', apiKey, { role: 'customer', subject: customerId, ttl_s: 7200 });
        watchers.push({ customerId, socket: await openSocket(server.url, { token }), orderId: null });
      });
      const traffic = new DayTraffic(http, apiKey, couriers, watchers, sink.domain, options.watched!);

      // ── the day: hour by hour at its rate, open loop (a slow answer does not slow the offered load) ──
      const hourS = duration / 24;
      const rates = HOURLY_LOAD.map((load) => load * peak);
      const peakHour = rates.indexOf(Math.max(...rates));
      const view = new ServerView(server.url);
      await view.start();
      const countersBefore = await dependencyCounters(nodes.schema !== null);
      const generator = generatorLoopDelay();
      const inFlight = new Set<Promise<void>>();
      const track = (work: Promise<void>) => {
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      };
      // Positions at their real rate, following the hour's load: `pings` a second at the peak hour, spread over the
      // couriers on shift.
      let pingIndex = 0;
      let pingsOwed = 0;
      const pinger = setInterval(() => {
        const hour = Math.min(23, Math.floor((performance.now() - dayStarted) / 1000 / hourS));
        const active = Math.max(1, Math.round(couriers.length * HOURLY_LOAD[hour]!));
        pingsOwed += (options.pings! * HOURLY_LOAD[hour]!) / 20;
        for (; pingsOwed >= 1; pingsOwed--) track(traffic.ping(couriers[pingIndex++ % active]!).catch(() => {}));
      }, 50);
      const dayStarted = performance.now();
      let peakView: Awaited<ReturnType<ServerView['finish']>> | undefined;
      // The node's CPU in each hour (from /proc, so reading it costs the node nothing) with the events offered in it,
      // summed by offered rate: what an event costs at each load (an hour's events finish within milliseconds, so
      // its CPU is its own events').
      const byRate = new Map<number, { cpuSeconds: number; events: number }>();
      for (let hour = 0; hour < 24; hour++) {
        const rate = rates[hour]!;
        const hourStarted = performance.now();
        traffic.inPeak = hour === peakHour;
        const peakServer = hour === peakHour ? new ServerView(server.url) : null;
        await peakServer?.start();
        const hourCpuBefore = cpuSeconds(server.pid);
        let sent = 0;
        while (performance.now() - hourStarted < hourS * 1000) {
          const due = Math.floor(((performance.now() - hourStarted) / 1000) * rate);
          for (; sent < due; sent++) track(traffic.next());
          await sleep(5);
        }
        const hourCpu = cpuSeconds(server.pid) - hourCpuBefore;
        if (peakServer) peakView = await peakServer.finish();
        const atRate = byRate.get(Math.round(rate)) ?? { cpuSeconds: 0, events: 0 };
        byRate.set(Math.round(rate), { cpuSeconds: atRate.cpuSeconds + hourCpu, events: atRate.events + sent });
        traffic.inPeak = false;
        progress(`hour ${String(hour).padStart(2, '0')}: ${Math.round(rate)}/s offered, ${traffic.events.total.toLocaleString()} events done, ${inFlight.size} in flight, p99 ${traffic.events.percentile(99)} ms`);
      }
      clearInterval(pinger);
      await withTimeout(Promise.all(inFlight), 60_000, 'the day’s last requests');
      // The last pushes of the day: wait until every watched order's watcher has its last seq (or 10 s pass).
      const settleBy = Date.now() + 10_000;
      while (traffic.missed() > 0 && Date.now() < settleBy) await sleep(50);
      const dayServer = await view.finish();
      const countersAfter = await dependencyCounters(nodes.schema !== null);
      const generatorLag = generator.stop();
      const dayS = (performance.now() - dayStarted) / 1000;

      // ── capacity: the same mix as fast as the lanes can go ──
      progress(`capacity: ${options.connections} lanes for ${options.saturate_s} s`);
      const capacity = new Recorder();
      const before = traffic.events.total;
      const capacityCpuBefore = cpuSeconds(server.pid);
      const capacityStarted = performance.now();
      const until = capacityStarted + options.saturate_s! * 1000;
      await Promise.all(
        Array.from({ length: options.connections! }, async () => {
          while (performance.now() < until) {
            const started = performance.now();
            await traffic.next();
            capacity.record(performance.now() - started);
          }
        }),
      );
      const capacityS = (performance.now() - capacityStarted) / 1000;
      const capacityPerS = (traffic.events.total - before) / capacityS;
      const capacityCpuMsPerEvent = round(((cpuSeconds(server.pid) - capacityCpuBefore) * 1000) / Math.max(1, traffic.events.total - before), 3);
      const headroom = capacityPerS / DESIGN_PEAK_PER_S;
      const settleCapacity = Date.now() + 10_000;
      while (traffic.missed() > 0 && Date.now() < settleCapacity) await sleep(50);
      // Alerts still queued drain before the count.
      const emailsBy = Date.now() + 15_000;
      let emails = -1;
      while (Date.now() < emailsBy && emails !== sink.received) {
        emails = sink.received;
        await sleep(1000);
      }

      const peakP99 = traffic.peakEvents.percentile(99);
      const missed = traffic.missed();

      // ── the day's cost per event (the day's mix: an event sent, with its share of positions, pushes and alerts) ──
      const perEvent = (count: number, digits = 2) => round(count / Math.max(1, before), digits);
      const postgres = nodes.schema !== null;
      const cpuMsPerEvent = perEvent(dayServer.cpuSeconds * 1000, 3);
      const redisPerEvent = perEvent(countersAfter.redisCommands - countersBefore.redisCommands);
      const pgTransactionsPerEvent = perEvent(countersAfter.pgTransactions - countersBefore.pgTransactions);
      const pgStatements =
        countersBefore.pgStatements !== null && countersAfter.pgStatements !== null ? countersAfter.pgStatements - countersBefore.pgStatements : null;
      // The node's own counts (its /metrics): a script counts once in redis_commands_total, its inner commands not.
      const node = dayServer.counters;
      const nodeStatements = node.sum('store_statements_total');
      const nodeStatementsPerEvent = perEvent(nodeStatements);
      const nodeCounted = (count: number, figure: string | number) => (count > 0 ? figure : 'not counted by the node');
      const averageOffered = rates.reduce((sum, rate) => sum + rate, 0) / 24;
      return {
        metrics: {
          store: nodes.storeName,
          day_s: round(dayS, 1),
          offered_peak_per_s: Math.round(peak),
          offered_average_per_s: Math.round(averageOffered),
          day_events: before,
          orders_placed: traffic.ordersPlaced,
          failures: traffic.failures,
          last_failure: traffic.lastFailure || '-',
          event_p50_ms: traffic.events.percentile(50),
          event_p99_ms: traffic.events.percentile(99),
          peak_hour_events: traffic.peakEvents.total,
          peak_hour_p50_ms: traffic.peakEvents.percentile(50),
          peak_hour_p99_ms: peakP99,
          pings: traffic.pings.total,
          ping_p99_ms: traffic.pings.percentile(99),
          watcher_sockets: watchers.length,
          watched_orders: traffic.finalSeq.size,
          pushes: traffic.pushes,
          pushes_missed: missed,
          pushes_duplicated: traffic.duplicates,
          pushes_out_of_order: traffic.outOfOrder,
          emails: sink.received,
          emails_repeated: sink.repeated,
          server_loop_lag_p99_ms: dayServer.loopLagP99Ms,
          server_cpu_s_day: dayServer.cpuSeconds,
          // Per unit of the day's mix (an applied event with its share of positions, pushes and alerts).
          server_cpu_ms_per_event: cpuMsPerEvent,
          redis_commands_per_event: redisPerEvent,
          pg_transactions_per_event: postgres ? pgTransactionsPerEvent : '-',
          pg_statements_per_event: pgStatements !== null ? perEvent(pgStatements) : '-',
          // The same day as the node counts it (/metrics).
          node_events_applied: node.sum('events_applied_total'),
          node_redis_commands_per_event: perEvent(node.sum('redis_commands_total')),
          node_store_transactions_per_event: perEvent(node.sum('store_transactions_total')),
          node_store_statements_per_event: nodeStatementsPerEvent,
          node_alerts: node.sum('alerts_total'),
          node_positions_taken: node.sum('positions_taken_total'),
          node_events_pushed: node.sum('events_pushed_total'),
          server_cpu_share_peak_hour: peakView ? round(peakView.cpuSeconds / hourS, 2) : '-',
          // The same mix closed-loop: no idle moments between events, the node's batches full.
          server_cpu_ms_per_event_at_capacity: capacityCpuMsPerEvent,
          generator_loop_lag_p99_ms: generatorLag.p99Ms,
          capacity_events_per_s: Math.round(capacityPerS),
          capacity_p99_ms: capacity.percentile(99),
          headroom_over_peak: round(headroom, 2),
        },
        reference: {
          name: "the design brief's day",
          metrics: { peak_events_per_s: DESIGN_PEAK_PER_S, average_events_per_s: DESIGN_AVERAGE_PER_S, orders_per_day: 1_000_000, events_per_day: 10_000_000 },
        },
        ratio: { metric: 'capacity_events_per_s', value: headroom },
        targets: [
          { target: `peak hour (${Math.round(peak)}/s) HTTP p99 ≤ 100 ms`, measured: `${peakP99} ms`, met: peakP99 <= 100 },
          {
            target: 'pushes: 0 missed, 0 duplicated, 0 out of order',
            measured: `${missed} / ${traffic.duplicates} / ${traffic.outOfOrder} of ${traffic.pushes}`,
            met: missed === 0 && traffic.duplicates === 0 && traffic.outOfOrder === 0,
          },
          { target: 'no email sent twice', measured: `${sink.repeated} of ${sink.received}`, met: sink.repeated === 0 },
          { target: 'no failed request', measured: `${traffic.failures}`, met: traffic.failures === 0 },
          { target: 'headroom over the 560/s peak ≥ 2×', measured: `${round(headroom, 2)}× (${Math.round(capacityPerS)}/s)`, met: headroom >= 2 },
          {
            target: '≤ 8 Redis commands per event (inner Lua commands counted)',
            measured: `${redisPerEvent} (INFO total_commands_processed; the node's redis_commands_total, a script once: ${nodeCounted(node.sum('redis_commands_total'), perEvent(node.sum('redis_commands_total')))})`,
            met: redisPerEvent <= 8,
          },
          { target: '≤ 1.0 ms node CPU per event', measured: `${cpuMsPerEvent} ms`, met: cpuMsPerEvent <= 1 },
          ...(postgres
            ? [
                {
                  target: '≤ 1.5 PostgreSQL transactions per event',
                  measured: `${pgTransactionsPerEvent} (pg_stat_database xact_commit; the node's store_transactions_total: ${nodeCounted(node.sum('store_transactions_total'), perEvent(node.sum('store_transactions_total')))})`,
                  met: pgTransactionsPerEvent <= 1.5,
                },
                {
                  target: '≤ 2.5 PostgreSQL statements per event',
                  measured: `${nodeCounted(nodeStatements, nodeStatementsPerEvent)} (the node's store_statements_total${pgStatements !== null ? `; pg_stat_statements ${perEvent(pgStatements)}` : ''})`,
                  met: nodeStatements > 0 && nodeStatementsPerEvent <= 2.5,
                },
              ]
            : []),
        ],
        breakdowns: {
          // INFO commandstats: a script's inner commands under their own names, the script itself under evalsha.
          redis_commands_per_event_top8: perUnit(countersBefore.redisByCommand, countersAfter.redisByCommand, before, 8),
          node_redis_commands_per_event_by_connection: perUnit(node.before.byLabel('redis_commands_total', 'connection'), node.after.byLabel('redis_commands_total', 'connection'), before),
          node_alerts_by_channel_outcome: Object.fromEntries(node.byLabel('alerts_total', ['channel', 'outcome'])),
          node_positions_taken_by_source: Object.fromEntries(node.byLabel('positions_taken_total', 'source')),
          node_events_pushed_by_kind: Object.fromEntries(node.byLabel('events_pushed_total', 'kind')),
          server_cpu_ms_per_event_by_offered_rate: Object.fromEntries(
            [...byRate]
              .sort(([a], [b]) => a - b)
              .map(([rate, { cpuSeconds: cpu, events }]) => [`${rate}/s`, round((cpu * 1000) / Math.max(1, events), 2)]),
          ),
        },
        latency: traffic.events.distribution(),
        throughput: traffic.events.throughput(),
        notes: [
          ...(profile.dir ? [`CPU profile of the node: ${profile.dir}`] : []),
          `Hourly load ${HOURLY_LOAD.join(', ')} × ${Math.round(peak)}/s; each hour ${round(hourS, 2)} s. An order's life is a placement, processing and eight courier scans (pickup, five hub scans, out for delivery, delivered): 10 events.`,
          `Courier positions at ${options.pings}/s in the peak hour, following the hourly load over the couriers on shift; ${Math.round(options.watched! * 100)}% of new orders go to a customer whose socket is free, who watches it to delivery; every order asks for email alerts (a watched order's alerts go over its socket).`,
          'Capacity is the same mix closed-loop over the lanes after the day; headroom = capacity ÷ 560/s. The load generator shares the 2 cores with the node and Redis.',
          "CPU per event by offered rate: each hour's node CPU ÷ the events offered in it, hours of the same rate summed. An event costs several times more CPU at a few dozen a second than under full load: each request, commit, publish and push is then a wake-up and a system call of its own, where a busy node shares them (the capacity figure).",
          "Per event = over the day (not the capacity phase) ÷ the day's events sent. Redis and PostgreSQL figures are the servers' own counters, which count every client: run with nobody else on them. The node_* figures are the node's /metrics (its own work only); redis_commands_total counts a script once, INFO counts its inner commands too.",
          pgStatements === null && postgres
            ? 'PostgreSQL counts statements only with pg_stat_statements loaded (shared_preload_libraries) and created in the database; this server has not, so the statement figure is the node\'s store_statements_total and xact_commit cross-checks the transactions.'
            : '',
        ].filter(Boolean),
      };
    } finally {
      for (const watcher of watchers) watcher.socket.close();
      for (const client of clients) client.close();
      await nodes.stop();
      await sink.close();
    }
  },
};

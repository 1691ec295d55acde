import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreCounters } from './store/counters';

/**
 * Something read when `/metrics` is scraped: it sets its gauges from the part that holds the numbers (a socket
 * count, queue depths). It handles its own failures (a gauge it cannot read keeps its last value).
 */
export type ScrapeReader = () => void | Promise<void>;

// prom-client's default gauges that end in `_total`, which Prometheus keeps for counters (`promtool check metrics`
// refuses them). Each is the sum of the gauge of the same name without the suffix, by type, which stays.
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The node's Prometheus metrics, on a registry of their own (several nodes can live in one test process). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly actorsLive = new Gauge({ name: 'actors_live', help: 'Live order actors', registers: [this.registry] });
  readonly actorActivations = new Counter({
    name: 'actor_activations_total',
    help: 'Order actors activated',
    registers: [this.registry],
  });
  readonly actorPassivations = new Counter({
    name: 'actor_passivations_total',
    help: 'Order actors passivated (idle or evicted)',
    registers: [this.registry],
  });
  readonly outboxRelayErrors = new Counter({
    name: 'outbox_relay_errors_total',
    help: 'Owed effects (alerts, webhook messages, loyalty bookings) the outbox relay could not read or do, by kind; a later sweep tries again',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly dependencyUp = new Gauge({
    name: 'dependency_up',
    help: 'Whether a dependency (redis, mqtt) is reachable from this node: 1, or 0 during an outage',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });
  readonly dependencyHeld = new Counter({
    name: 'dependency_held_total',
    help: 'What waited for a dependency during its outages, by kind (live_updates, owed_alert, owed_webhook, …): the log says it once per outage, when the dependency is back',
    labelNames: ['dependency', 'what'] as const,
    registers: [this.registry],
  });
  readonly templateFailures = new Counter({
    name: 'message_template_failures_total',
    help: "Parts of tenants' message templates that failed to render, by part (subject, text, html, sms, push.title, push.body); the built-in text went out instead",
    labelNames: ['part'] as const,
    registers: [this.registry],
  });
  readonly liveUpdatesUnpublished = new Counter({
    name: 'live_updates_unpublished_total',
    help: 'Applied events this node could not publish to the other nodes (Redis down); their watchers get them from the store',
    registers: [this.registry],
  });
  readonly mqttMessages = new Counter({
    name: 'mqtt_messages_total',
    help: 'Messages this node took from the MQTT broker, by outcome: taken (a known device\'s position), unknown_key, invalid (not JSON, or not a position of its format), ignored (another OwnTracks message type, or a topic naming no device), failed (the position could not be handed on)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly signInCodes = new Counter({
    name: 'sign_in_codes_total',
    help: 'Requests for a portal sign-in code, by outcome: sent, unknown_tenant, no_customer, no_channel, rate_limited (the address had its codes this hour), refused (by the address\'s provider), failed (a channel or the store failed for now), dropped (too many waiting)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly mqttConnected = new Gauge({
    name: 'mqtt_connected',
    help: 'Whether this node is connected to the MQTT broker with its subscriptions in place: 1, or 0 (before the first connection, during an outage)',
    registers: [this.registry],
  });
  readonly storeBatchSize = new Histogram({
    name: 'store_write_batch_size',
    help: 'Writes per group-commit transaction',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });
  readonly storeBatchDuration = new Histogram({
    name: 'store_write_batch_duration_seconds',
    help: 'Duration of a group-commit transaction, fsync included',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });

  // ── What an operator watches per node: sockets, events, alerts, webhooks, queues, limits, round trips ──
  readonly socketsConnected = new Gauge({
    name: 'sockets_connected',
    help: 'Sockets connected to this node, read when scraped',
    registers: [this.registry],
    collect: () => this.readAtScrape(),
  });
  readonly socketSubscriptions = new Gauge({
    name: 'socket_subscriptions',
    help: 'Orders this node streams to its sockets (one per order, however many of its sockets watch it), read when scraped',
    registers: [this.registry],
    collect: () => this.readAtScrape(),
  });
  readonly eventsApplied = new Counter({
    name: 'events_applied_total',
    help: "Order events this node's actors applied (committed with a seq)",
    registers: [this.registry],
  });
  readonly eventsPushed = new Counter({
    name: 'events_pushed_total',
    help: 'Live updates this node emitted to its sockets, by kind (order_status_update, courier_location, …); one per room emit',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly alerts = new Counter({
    name: 'alerts_total',
    help: 'Alerts decided by this node\'s workers, by channel (websocket, push, email, sms, none) and outcome (sent, skipped, failed, held)',
    labelNames: ['channel', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookAttempts = new Counter({
    name: 'webhook_attempts_total',
    help: 'Webhook delivery attempts by this node\'s workers, by outcome (delivered, retry, failed, dropped)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly queueJobs = new Gauge({
    name: 'queue_jobs',
    help: 'Jobs in a queue by state (waiting, active, delayed, failed), read when scraped',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
    collect: () => this.readAtScrape(),
  });
  readonly queueOldestAge = new Gauge({
    name: 'queue_oldest_waiting_age_seconds',
    help: 'Age of the oldest job waiting in a queue (0 when none waits), read when scraped',
    labelNames: ['queue'] as const,
    registers: [this.registry],
    collect: () => this.readAtScrape(),
  });
  readonly rateLimited = new Counter({
    name: 'rate_limited_total',
    help: 'Requests refused with 429 by budget (business, user, anonymous)',
    labelNames: ['budget'] as const,
    registers: [this.registry],
  });
  readonly redisCommands = new Counter({
    name: 'redis_commands_total',
    help: 'Redis commands this node sent, by connection (publisher, queue, worker, subscribers); a script counts once here',
    labelNames: ['connection'] as const,
    registers: [this.registry],
  });
  readonly storeTransactions = new Counter({
    name: 'store_transactions_total',
    help: 'Transactions this node ran on its store (a statement outside a transaction counts as one)',
    registers: [this.registry],
  });
  readonly storeStatements = new Counter({
    name: 'store_statements_total',
    help: 'Statements this node ran on its store (SQL statements; MongoDB operations)',
    registers: [this.registry],
  });
  readonly dependencyOutages = new Counter({
    name: 'dependency_outages_total',
    help: 'Outages of a dependency (redis, mqtt) seen by this node',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });
  readonly positionsTaken = new Counter({
    name: 'positions_taken_total',
    help: 'Courier positions this node took, by source (app, batch, osmand, owntracks, overland, mqtt)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly basemapCachedBytes = new Gauge({
    name: 'basemap_cache_bytes',
    help: 'Memory the offline basemap\'s cut tiles take (their JSON text), within BASEMAP_CACHE_MB',
    registers: [this.registry],
  });
  readonly basemapCachedTiles = new Gauge({ name: 'basemap_cache_tiles', help: 'Cut basemap tiles kept', registers: [this.registry] });
  readonly basemapIndexTiles = new Gauge({
    name: 'basemap_index_tiles',
    help: 'Tiles in the basemap\'s slicing index (bounded: put back as built past its budget)',
    registers: [this.registry],
  });

  /** What the store counts, for the store factories' `counters` option. */
  readonly storeCounters: StoreCounters = { transactions: this.storeTransactions, statements: this.storeStatements };

  private readonly readers = new Set<ScrapeReader>();
  /** The reading of the scrape in progress: the scrape-time gauges are collected together, and share it. */
  private reading: Promise<void> | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
  }

  /**
   * Runs `read` at every scrape, before the scrape-time gauges (sockets, subscriptions, queues) are rendered, until
   * the function returned is called (the part holding the numbers stopped).
   */
  readonly atScrape = (read: ScrapeReader): (() => void) => {
    this.readers.add(read);
    return () => this.readers.delete(read);
  };

  /** Each reader once per scrape, however many scrape-time gauges ask. */
  private readAtScrape(): Promise<void> {
    this.reading ??= Promise.allSettled([...this.readers].map(async (read) => read())).then(() => {
      this.reading = null;
    });
    return this.reading;
  }

  /** Records what the offline basemap holds after a tile was cut. */
  readonly observeBasemap = (stats: { cachedBytes: number; cachedTiles: number; indexTiles: number }): void => {
    this.basemapCachedBytes.set(stats.cachedBytes);
    this.basemapCachedTiles.set(stats.cachedTiles);
    this.basemapIndexTiles.set(stats.indexTiles);
  };

  /** Records one group-commit transaction (the store's batch observer). */
  readonly observeStoreBatch = (size: number, seconds: number): void => {
    this.storeBatchSize.observe(size);
    this.storeBatchDuration.observe(seconds);
  };
}

import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { EventBus } from './actors/event-bus';
import { TokenService } from './auth/token-service';
import type { Config } from './config';
import type { Presence } from './domain/presence';
import { Gateway } from './gateways/gateway';
import { createIo } from './gateways/io';
import { ClusterPresence } from './gateways/presence';
import { createRedis, type RedisClient, type RedisConnectionOptions } from './gateways/redis';
import { createApp } from './http/app';
import { Basemap } from './http/basemap';
import { pages } from './http/pages';
import { RateLimit } from './http/rate-limit';
import { Lifecycle } from './lifecycle';
import { Metrics } from './metrics';
import { AlertQueue } from './notifiers/alert-queue';
import { DestinationGuard, type Resolve } from './notifiers/destination-guard';
import { Notifier } from './notifiers/notifier';
import { WebhookProcessor } from './notifiers/webhook-processor';
import { WebhookRelay } from './notifiers/webhook-relay';
import { HttpWebhookTransport, type WebhookTransport } from './notifiers/webhook-transport';
import { WebhookWorker } from './notifiers/webhook-worker';
import { generateAdminToken, loadOrCreateJwtSecret } from './secrets';
import { CourierService } from './services/courier-service';
import { DeliveryLogService } from './services/delivery-log-service';
import { ImportService } from './services/import-service';
import { LoyaltyService } from './services/loyalty-service';
import { OrderService } from './services/order-service';
import { PreferenceService } from './services/preference-service';
import { PrivacyService } from './services/privacy-service';
import { RetentionSweep, type RetentionSweepOptions } from './services/retention-sweep';
import { ReportService } from './services/report-service';
import { SourceService } from './services/source-service';
import { TenantService } from './services/tenant-service';
import { WebhookService } from './services/webhook-service';
import type { Store } from './store/store';

export interface NodeDeps {
  config: Config;
  logger: Logger;
  /** The store adapter, chosen by the caller (main picks it from the config). */
  store: Store;
  /** Metrics registry, shared with the store's batch observer. @default a new one */
  metrics?: Metrics;
  /**
   * The Redis URL each of the node's connections uses, by its name. Tests route one of them through a proxy
   * they can cut. @default `config.redisUrl` for all
   */
  redisUrlFor?: (connection: RedisConnection) => string;
  /** Resolves webhook hosts, at registration and on every connection. @default the system resolver */
  resolve?: Resolve;
  /** Sends webhook attempts. @default node's HTTP client behind the destination guard (HttpWebhookTransport) */
  webhookTransport?: WebhookTransport;
  /** The retention sweep's clock and period (tests turn the clock). @default the system clock, hourly */
  retention?: Pick<RetentionSweepOptions, 'now' | 'intervalMs'>;
  /** The alert workers' clock, which decides quiet hours (tests turn it). @default the system clock */
  alertClock?: () => Date;
}

/** The node's Redis connections, each with one job. */
export type RedisConnection = 'publisher' | 'adapter-subscriber' | 'feed-subscriber' | 'worker';

/** A running node: its address, its parts (for tests) and an ordered shutdown. */
export interface RunningNode {
  /** Null in a worker-only process, which serves no HTTP. */
  url: string | null;
  port: number | null;
  /** Base of the links this node hands out (tracking links, the dashboard). */
  publicUrl: string;
  adminToken: string;
  adminTokenGenerated: boolean;
  /** Null in a worker-only process (nothing there places or changes orders). */
  orders: OrderService | null;
  /** Null in a worker-only process (no courier reports there). */
  couriers: CourierService | null;
  loyalty: LoyaltyService;
  /** Null in a worker-only process. */
  gateway: Gateway | null;
  /** Moves alerts from the outbox to the queue (every role). */
  alerts: AlertQueue;
  /** The alert workers; null in an API-only process. */
  notifier: Notifier | null;
  /** Moves webhook messages from the outbox to their queue (every role). */
  webhooks: WebhookRelay;
  /** The webhook workers; null in an API-only process. */
  webhookWorker: WebhookWorker | null;
  /** Whether an event reached a customer-side watcher on any node (what alerts ask). */
  presence: Presence;
  /** Customers' exports and erasures (every role). */
  privacy: PrivacyService;
  /** The periodic erasure of orders past their tenant's retention (every role). */
  retention: RetentionSweep;
  bus: EventBus;
  metrics: Metrics;
  store: Store;
  /** Stops accepting, finishes in-flight work, flushes and closes the store and Redis. */
  stop(): Promise<void>;
}

/** The repository root: the built pages are in `dist/web` below it. */
const ROOT = path.resolve(__dirname, '..');

// A shutdown step that takes longer is given up on (logged), so the rest still run within SHUTDOWN_TIMEOUT_MS.
const STOP_STEP_TIMEOUT_MS = 3000;

// Start-up waits this long for Redis before serving anyway: HTTP works without it, and pushes start when it comes.
const REDIS_STARTUP_WAIT_MS = 3000;

/**
 * Builds and starts a node as a lifecycle list: store → Redis → bus, alert queue, webhook relay and services → HTTP +
 * gateway → alert workers → webhook workers → listen. Each part registers its stop as it is built, and `stop()` runs
 * them in reverse (see {@link Lifecycle}). `config.role` decides which parts are built: a `worker` builds no HTTP
 * side, an `api` no alert or webhook workers. A failing step fails with one line of context, after stopping what was built before it.
 */
export async function startNode({
  config,
  logger,
  store,
  metrics = new Metrics(),
  redisUrlFor = () => config.redisUrl,
  resolve,
  webhookTransport,
  retention: retentionOptions,
  alertClock,
}: NodeDeps): Promise<RunningNode> {
  const parts = new Lifecycle({ logger, stepTimeoutMs: STOP_STEP_TIMEOUT_MS });
  const serveHttp = config.role !== 'worker';
  const runWorkers = config.role !== 'api';

  await parts.part('store', () => store.init(), () => store.close());
  const adminTokenGenerated = config.adminToken === undefined;
  const adminToken = config.adminToken ?? generateAdminToken();
  const jwtSecret = await parts.part('jwt secret', () => config.jwtSecret ?? loadOrCreateJwtSecret(config.dataDir));

  const redis = await parts.part(
    'redis',
    async () => {
      // Publishing fails fast while Redis is down, so local delivery never waits on it; subscribers and workers
      // queue their commands until the connection is back.
      const connect = (name: RedisConnection, options: RedisConnectionOptions) =>
        createRedis(config.redisCluster ? { cluster: config.redisCluster } : { url: redisUrlFor(name) }, name, logger, options);
      const connections = {
        publisher: connect('publisher', { enableOfflineQueue: false, enableAutoPipelining: true }),
        adapterSubscriber: connect('adapter-subscriber', { maxRetriesPerRequest: null, sharded: true }),
        feedSubscriber: serveHttp ? connect('feed-subscriber', { maxRetriesPerRequest: null, sharded: true }) : null,
        worker: runWorkers ? connect('worker', { maxRetriesPerRequest: null }) : null,
      };
      await waitForRedis(clientsOf(connections), logger);
      return connections;
    },
    (connections) => Promise.all(clientsOf(connections).map(closeRedis)),
  );

  const bus = new EventBus((error, event) => logger.error({ err: error, event }, 'event listener failed'));
  // Built before the services and stopped after them: what actors apply while they drain is still queued at once.
  const alerts = await parts.part(
    'alert queue',
    () =>
      new AlertQueue({
        store,
        bus,
        connection: redis.publisher,
        prefix: config.redisPrefix,
        logger,
        backoffMs: config.notify.backoffMs,
      }),
    (queue) => queue.close(),
  );
  // Every role, like the alert queue: what this node's changes owe goes out from here, and the sweep finds the rest.
  const webhooks = await parts.part(
    'webhook relay',
    () => new WebhookRelay({ store, bus, connection: redis.publisher, prefix: config.redisPrefix, logger }),
    (relay) => relay.close(),
  );
  const destinations = new DestinationGuard({ allowPrivate: config.webhooks.allowPrivate, resolve });
  const loyalty = await parts.part(
    'loyalty',
    () =>
      new LoyaltyService({
        store,
        bus,
        idleMs: config.actorIdleMs,
        onError: (error) => logger.error({ err: error }, 'loyalty sweep failed'),
        beforeBooking:
          config.faultInjection === 'crash_before_loyalty_booking' ? () => process.kill(process.pid, 'SIGKILL') : undefined,
      }),
    (service) => service.stop(),
  );
  // Bookings a crash left undone are owed now, not after the first periodic sweep.
  void loyalty.sweep(0);
  const privacy = new PrivacyService({ store, bus });
  // Every role sweeps: a batch takes only orders not erased yet, so sweepers on several nodes share the work.
  const retention = await parts.part(
    'retention sweep',
    () => new RetentionSweep({ store, bus, intervalMs: config.retentionSweepMs, ...retentionOptions, onError: (error) => logger.warn({ err: error }, 'retention sweep failed') }),
    (sweep) => sweep.stop(),
  );
  const tokens = new TokenService({ store, adminToken, jwtSecret });
  const rateLimit = new RateLimit({ redis: redis.publisher, prefix: config.redisPrefix, ...config.rateLimit });

  const api = serveHttp ? await buildApi() : null;
  // A worker-only node serves no sockets, but its Socket.IO server still takes part in the cluster (presence).
  const io = api?.io ?? createIo({ publisher: redis.publisher, subscriber: redis.adapterSubscriber, prefix: config.redisPrefix });
  const gateway = api && redis.feedSubscriber ? await buildGateway(api.orders, redis.feedSubscriber) : null;
  // A worker-only node's Socket.IO server has no engine: only its adapter (Redis subscriptions) to close.
  if (!gateway) parts.add('sockets', () => io.of('/').adapter.close());
  const presence = new ClusterPresence({
    io,
    local: gateway ? (orderId, seq, waitMs) => gateway.handedToWatcher(orderId, seq, waitMs) : undefined,
    localArriving: gateway ? (update) => gateway.handArriving(update) : undefined,
  });

  // Erased orders leave every node's memory (their actors hold them): here at once, elsewhere through the adapter. Should
  // Redis miss a node, its stale actor still cannot write (an erasure moves the revision on) and is passivated when idle.
  const dropErased = (orderIds: readonly string[]): void => {
    for (const orderId of orderIds) api?.orders.actors.drop(orderId);
  };
  io.on('orders_erased', dropErased);
  parts.add(
    'erasure broadcast',
    bus.on('erased', ({ orderIds }) => {
      dropErased(orderIds);
      // The adapter's own call, whose promise can be caught (io.serverSideEmit drops it; it rejects without Redis).
      Promise.resolve(io.of('/').adapter.serverSideEmit(['orders_erased', orderIds]) as unknown).catch((error: unknown) =>
        logger.warn({ err: error }, 'erasure not announced to the other nodes'),
      );
    }),
  );

  // PUBLIC_URL, or this node's own address once it listens (a worker-only process: the configured host and port).
  let publicUrl = config.publicUrl ?? `http://${bracketed(config.host)}:${config.port}`;
  const notifier = redis.worker ? await buildNotifier(redis.worker) : null;
  const webhookWorker = redis.worker ? await buildWebhookWorker(redis.worker) : null;

  let url: string | null = null;
  let port: number | null = null;
  if (api) {
    await parts.part('listen', () => listen(api.server, config.port, config.host), () => api.stopAccepting());
    port = (api.server.address() as AddressInfo).port;
    url = `http://${bracketed(config.host)}:${port}`;
    publicUrl = config.publicUrl ?? url;
  }

  return {
    url,
    port,
    publicUrl,
    adminToken,
    adminTokenGenerated,
    orders: api?.orders ?? null,
    couriers: api?.couriers ?? null,
    loyalty,
    gateway,
    alerts,
    notifier,
    webhooks,
    webhookWorker,
    presence,
    privacy,
    retention,
    bus,
    metrics,
    store,
    stop: () => parts.stop(),
  };

  /**
   * The HTTP side: the services routes call, the Koa app, its server (not listening yet) and the Socket.IO server on
   * it. Stops, in reverse: the server waits for the requests in flight, then the order actors and the couriers drain.
   */
  async function buildApi() {
    const couriers = await parts.part(
      'couriers',
      () =>
        new CourierService({
          store,
          bus,
          idleMs: config.actorIdleMs,
          onFlushError: (error) => logger.warn({ err: error }, 'courier positions not stored; retrying'),
          onClaimError: (error) => logger.warn({ err: error }, 'arriving claim not made; asked again with the next position'),
        }),
      (service) => service.stop(),
    );
    const orders = await parts.part(
      'order actors',
      () =>
        new OrderService({
          store,
          bus,
          actorIdleMs: config.actorIdleMs,
          maxActors: config.maxActors,
          onActorActivate: () => {
            metrics.actorActivations.inc();
            metrics.actorsLive.inc();
          },
          onActorPassivate: () => {
            metrics.actorPassivations.inc();
            metrics.actorsLive.dec();
          },
          afterApplied: (order, event) => loyalty.onApplied(order, event),
          onEffectError: (error) => logger.warn({ err: error }, 'loyalty booking deferred to the sweep'),
        }),
      (service) => service.stop(),
    );
    const sources = await parts.part(
      'sources',
      () =>
        new SourceService({
          store,
          orders: orders.actors,
          onError: (error) => logger.warn({ err: error }, 'source message record not released or pruned'),
        }),
      (service) => service.stop(),
    );
    const readiness = async (): Promise<void> => {
      await store.ping();
      await redis.publisher.ping();
    };
    return parts.part(
      'http',
      () => {
        // The Koa handler must be on the server before Socket.IO attaches: Socket.IO hands every other path to the
        // request handlers present at that moment, and answers its own (`/socket.io/`) itself.
        const app = createApp({
          orders,
          couriers,
          loyalty,
          tenants: new TenantService({ store }),
          tokens,
          preferences: new PreferenceService({ store }),
          privacy,
          deliveries: new DeliveryLogService({ store }),
          reports: new ReportService({ store }),
          webhooks: new WebhookService({ store, queue: webhooks, checkDestination: (url) => destinations.refusal(url) }),
          sources,
          imports: new ImportService({ orders }),
          rateLimit,
          metrics,
          logger,
          readiness,
          pages: pages({
            dir: path.join(ROOT, 'dist/web'),
            basemap: new Basemap(),
            map: config.map,
            staleAfterHours: config.staleAfterHours,
            logger,
          }),
        });
        const server = http.createServer(app.callback());
        // Keep-alive longer than common load balancers' idle timeout, so they close first.
        server.keepAliveTimeout = 65_000;
        const io = createIo({
          publisher: redis.publisher,
          subscriber: redis.adapterSubscriber,
          prefix: config.redisPrefix,
          httpServer: server,
          heartbeat: config.liveHeartbeat,
        });
        // After Socket.IO attached: it takes over the request listeners present then, and a shutdown must see its
        // requests (long polling) too.
        return { server, io, orders, couriers, ...serverShutdown(server) };
      },
      // Registered before the gateway, so it runs after the sockets are closed (they hold connections open).
      (built) => built.finished(),
    );
  }

  /** The Socket.IO gateway on the HTTP server: live pushes of this node's events to its sockets. */
  function buildGateway(orders: OrderService, feedSubscriber: RedisClient): Promise<Gateway> {
    return parts.part(
      'sockets',
      () =>
        new Gateway({
          io,
          tokens,
          orders,
          store,
          bus,
          publisher: redis.publisher,
          feedSubscriber,
          prefix: config.redisPrefix,
          logger,
          liveCheckMs: config.liveCheckMs,
          admitAnonymous: async (address) => (await rateLimit.consume({ role: 'anonymous', address }))?.allowed ?? true,
        }),
      (built) => built.close(),
    );
  }

  /** The alert workers: they take queued alerts and reach the customer. */
  function buildNotifier(workerConnection: RedisClient): Promise<Notifier> {
    const crashAfter =
      config.faultInjection === 'crash_after_email_sent' ? 'email' : config.faultInjection === 'crash_after_sms_sent' ? 'sms' : null;
    return parts.part(
      'notifier',
      () =>
        new Notifier({
          settings: config,
          store,
          presence,
          workerConnection,
          trackingToken: (order) => tokens.mintTracking(order.tenant_id, order.id),
          publicUrl: () => publicUrl,
          logger,
          bus,
          now: alertClock,
          // Crash tests: die after the provider took the message and before the delivery log says so.
          afterSend: crashAfter
            ? (channel) => {
                if (channel === crashAfter) process.kill(process.pid, 'SIGKILL');
              }
            : undefined,
        }),
      (built) => built.close(),
    );
  }

  /**
   * The webhook workers: they take queued messages and post them, each endpoint within its slots. Stopped before
   * the transport, whose idle connections it then closes.
   */
  function buildWebhookWorker(workerConnection: RedisClient): Promise<WebhookWorker> {
    const settings = config.webhooks;
    return parts.part(
      'webhook workers',
      () => {
        const transport = webhookTransport ?? new HttpWebhookTransport({ guard: destinations });
        const worker = new WebhookWorker({
          processor: new WebhookProcessor({
            store,
            transport,
            logger,
            maxAttempts: settings.attempts,
            backoffMs: settings.backoffMs,
            timeoutMs: settings.timeoutMs,
          }),
          connection: workerConnection,
          prefix: config.redisPrefix,
          logger,
          concurrency: settings.concurrency,
          perEndpoint: settings.endpointConcurrency,
          perTenant: settings.tenantConcurrency,
          lockMs: settings.lockMs,
        });
        return { worker, transport };
      },
      async ({ worker, transport }) => {
        await worker.close();
        transport.close?.();
      },
    ).then(({ worker }) => worker);
  }
}

/** Every connection of the node. */
function clientsOf(connections: Record<string, RedisClient | null>): RedisClient[] {
  return Object.values(connections).filter((client): client is RedisClient => client !== null);
}

function closeRedis(client: RedisClient): Promise<unknown> {
  return client.status === 'ready' ? client.quit().catch(() => client.disconnect()) : Promise.resolve(client.disconnect());
}

/**
 * A server's shutdown in two moves: `stopAccepting` (no new connections; keep-alive clients are told to close after
 * their last answer, idle ones are closed), then `finished`, which resolves once every connection has ended.
 */
function serverShutdown(server: http.Server): { stopAccepting(): void; finished(): Promise<void> } {
  const drain = trackResponses(server);
  let closed: Promise<void> | null = null;
  const stopAccepting = (): void => {
    if (closed) return;
    closed = new Promise<void>((resolve) => server.close(() => resolve()));
    drain();
    server.closeIdleConnections();
  };
  return {
    stopAccepting,
    finished: () => {
      stopAccepting();
      return closed!;
    },
  };
}

/**
 * Makes shutdown finish with keep-alive clients: once draining, every response still to be sent says
 * `Connection: close`, so each connection closes after its last answer. Returns the function that starts draining.
 */
function trackResponses(server: http.Server): () => void {
  const open = new Set<http.ServerResponse>();
  let draining = false;
  server.on('request', (_request: http.IncomingMessage, response: http.ServerResponse) => {
    if (draining) response.setHeader('Connection', 'close');
    open.add(response);
    response.once('close', () => open.delete(response));
  });
  return () => {
    draining = true;
    for (const response of open) if (!response.headersSent) response.setHeader('Connection', 'close');
  };
}

async function waitForRedis(clients: RedisClient[], logger: Logger): Promise<void> {
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, REDIS_STARTUP_WAIT_MS, 'timeout').unref());
  // Not events.once: it rejects on the first 'error', and a connection error here only means "not yet".
  const ready = Promise.all(
    clients.map((client) =>
      client.status === 'ready' ? undefined : new Promise<void>((resolve) => client.once('ready', () => resolve())),
    ),
  );
  if ((await Promise.race([ready, timeout])) === 'timeout') {
    logger.warn('redis is not reachable: serving HTTP without live updates until it is');
  }
}

/** An IPv6 host in brackets, as a URL wants it. */
function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

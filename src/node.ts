import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { default as Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { CourierService } from './actors/courier-service';
import { EventBus } from './actors/event-bus';
import { LoyaltyService } from './actors/loyalty-service';
import { OrderService } from './actors/order-service';
import { TokenService } from './auth/token-service';
import type { Config } from './config';
import { Gateway } from './gateways/gateway';
import { createIo } from './gateways/io';
import { ClusterPresence } from './gateways/presence';
import { createRedis } from './gateways/redis';
import { createApp } from './http/app';
import { Basemap } from './http/basemap';
import { pages } from './http/pages';
import { RateLimit } from './http/rate-limit';
import { Metrics } from './metrics';
import type { Presence } from './domain/presence';
import { Notifier } from './notifiers/notifier';
import { generateAdminToken, loadOrCreateJwtSecret } from './secrets';
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
  orders: OrderService;
  couriers: CourierService;
  loyalty: LoyaltyService;
  gateway: Gateway | null;
  notifier: Notifier;
  /** Whether an event reached a customer-side watcher on any node (what alerts ask). */
  presence: Presence;
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
 * Builds and starts a node: store → Redis → actors → HTTP + gateway → notifiers. `config.role` leaves out the
 * HTTP side (`worker`) or the alert workers (`api`). Each step fails with one line of context.
 */
export async function startNode({
  config,
  logger,
  store,
  metrics = new Metrics(),
  redisUrlFor = () => config.redisUrl,
}: NodeDeps): Promise<RunningNode> {
  await step('store', () => store.init());
  const serveHttp = config.role !== 'worker';
  const runWorkers = config.role !== 'api';
  const adminTokenGenerated = config.adminToken === undefined;
  const adminToken = config.adminToken ?? generateAdminToken();
  const jwtSecret = config.jwtSecret ?? loadOrCreateJwtSecret(config.dataDir);

  // Publishing fails fast while Redis is down, so local delivery never waits on it; subscribers and workers
  // queue their commands until the connection is back.
  const connect = (name: RedisConnection, options: RedisOptions) => createRedis(redisUrlFor(name), name, logger, options);
  const publisher = connect('publisher', { enableOfflineQueue: false });
  const adapterSubscriber = connect('adapter-subscriber', { maxRetriesPerRequest: null });
  const feedSubscriber = serveHttp ? connect('feed-subscriber', { maxRetriesPerRequest: null }) : null;
  const workerConnection = runWorkers ? connect('worker', { maxRetriesPerRequest: null }) : null;
  const redisClients = [publisher, adapterSubscriber, feedSubscriber, workerConnection].filter(
    (client): client is Redis => client !== null,
  );
  await waitForRedis(redisClients, logger);

  const bus = new EventBus((error) => logger.error({ err: error }, 'applied-event listener failed'));
  const couriers = new CourierService({
    store,
    bus,
    idleMs: config.actorIdleMs,
    onFlushError: (error) => logger.warn({ err: error }, 'courier positions not stored; retrying'),
  });
  const loyalty = new LoyaltyService({
    store,
    idleMs: config.actorIdleMs,
    onError: (error) => logger.error({ err: error }, 'loyalty sweep failed'),
    beforeBooking:
      config.faultInjection === 'crash_before_loyalty_booking' ? () => process.kill(process.pid, 'SIGKILL') : undefined,
  });
  const orders = new OrderService({
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
  });
  // Bookings a crash left undone are owed now, not after the first periodic sweep.
  void loyalty.sweep(0);
  const tokens = new TokenService({ store, adminToken, jwtSecret });

  const readiness = async (): Promise<void> => {
    await store.ping();
    await publisher.ping();
  };
  // The Koa handler must be on the server before Socket.IO attaches: Socket.IO hands every other path to the
  // request handlers present at that moment, and answers its own (`/socket.io/`) itself.
  const rateLimit = new RateLimit({ redis: publisher, prefix: config.redisPrefix, ...config.rateLimit });
  const server = serveHttp
    ? http.createServer(
        createApp({
          store,
          orders,
          couriers,
          loyalty,
          tokens,
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
        }).callback(),
      )
    : null;
  const io = createIo({ publisher, subscriber: adapterSubscriber, prefix: config.redisPrefix, httpServer: server ?? undefined });
  const gateway =
    server && feedSubscriber
      ? new Gateway({
          io,
          tokens,
          orders,
          store,
          bus,
          publisher,
          feedSubscriber,
          prefix: config.redisPrefix,
          logger,
          liveCheckMs: config.liveCheckMs,
          admitAnonymous: async (address) => (await rateLimit.consume({ role: 'anonymous', address }))?.allowed ?? true,
        })
      : null;
  if (gateway) {
    couriers.setSink((tenantId, courierId, orderIds, position) => gateway.pushLocation(tenantId, courierId, orderIds, position));
    loyalty.setSink((tenantId, update) => gateway.pushLoyalty(tenantId, update));
  }
  const presence = new ClusterPresence({
    io,
    local: gateway ? (orderId, seq, waitMs) => gateway.handedToWatcher(orderId, seq, waitMs) : undefined,
  });
  const notifier = new Notifier({
    config,
    store,
    bus,
    presence,
    queueConnection: publisher,
    workerConnection: workerConnection ?? undefined,
    trackingToken: (order) => tokens.mintTracking(order.tenant_id, order.id),
    publicUrl: () => publicUrl,
    logger,
  });

  let url: string | null = null;
  let port: number | null = null;
  // PUBLIC_URL, or this node's own address once it listens (a worker-only process: the configured host and port).
  let publicUrl = config.publicUrl ?? `http://${bracketed(config.host)}:${config.port}`;
  let drain = (): void => {};
  if (server) {
    // Keep-alive longer than common load balancers' idle timeout, so they close first.
    server.keepAliveTimeout = 65_000;
    drain = trackResponses(server);
    await step('http', () => listen(server, config.port, config.host));
    port = (server.address() as AddressInfo).port;
    url = `http://${bracketed(config.host)}:${port}`;
    publicUrl = config.publicUrl ?? url;
  }

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // HTTP stops accepting → sockets close → in-flight requests finish → actors drain → workers finish their
      // jobs → store flushes → Redis. A step that fails is logged and the rest still run.
      // Each step gets a bounded wait: with Redis down, closing its clients would otherwise wait for a reconnect.
      const attempt = async (name: string, run: () => Promise<unknown> | unknown): Promise<void> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(resolve, STOP_STEP_TIMEOUT_MS, 'timeout');
        });
        try {
          const outcome = await Promise.race([Promise.resolve().then(run), timeout]);
          if (outcome === 'timeout') logger.warn({ step: name }, 'shutdown step timed out; going on');
        } catch (error) {
          logger.error({ err: error, step: name }, 'shutdown step failed');
        } finally {
          clearTimeout(timer);
        }
      };
      const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
      drain();
      server?.closeIdleConnections();
      // A worker-only node's Socket.IO server has no engine: only its adapter (Redis subscriptions) to close.
      await attempt('sockets', () => (gateway ? gateway.close() : io.of('/').adapter.close()));
      await attempt('http', () => closed);
      await attempt('order actors', () => orders.stop());
      await attempt('couriers', () => couriers.stop());
      await attempt('loyalty', () => loyalty.stop());
      await attempt('notifier', () => notifier.close());
      await attempt('store', () => store.close());
      await Promise.all(
        redisClients.map((client) =>
          client.status === 'ready' ? client.quit().catch(() => client.disconnect()) : client.disconnect(),
        ),
      );
    })());

  return { url, port, publicUrl, adminToken, adminTokenGenerated, orders, couriers, loyalty, gateway, notifier, presence, bus, metrics, store, stop };
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

async function waitForRedis(clients: Redis[], logger: Logger): Promise<void> {
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

async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(`start-up failed at ${name}: ${(error as Error).message}`, { cause: error });
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

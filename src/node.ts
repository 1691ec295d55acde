import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { CourierService } from './actors/courier-service';
import { EventBus } from './actors/event-bus';
import { OrderService } from './actors/order-service';
import { TokenService } from './auth/token-service';
import type { Config } from './config';
import { Gateway } from './gateways/gateway';
import { createRedis } from './gateways/redis';
import { createApp } from './http/app';
import { Metrics } from './metrics';
import { generateAdminToken, loadOrCreateJwtSecret } from './secrets';
import type { Store } from './store/store';

export interface NodeDeps {
  config: Config;
  logger: Logger;
  /** The store adapter, chosen by the caller (main picks it from the config). */
  store: Store;
  /** Metrics registry, shared with the store's batch observer. @default a new one */
  metrics?: Metrics;
}

/** A running node: its address, its parts (for tests) and an ordered shutdown. */
export interface RunningNode {
  url: string;
  port: number;
  adminToken: string;
  adminTokenGenerated: boolean;
  orders: OrderService;
  couriers: CourierService;
  gateway: Gateway;
  bus: EventBus;
  metrics: Metrics;
  store: Store;
  /** Stops accepting, finishes in-flight requests, drains actors, flushes and closes the store. */
  stop(): Promise<void>;
}

// Start-up waits this long for Redis before serving anyway: HTTP works without it, and pushes start when it comes.
const REDIS_STARTUP_WAIT_MS = 3000;

/** Builds and starts a node: store → actors → HTTP → gateway. Each step fails with one line of context. */
export async function startNode({ config, logger, store, metrics = new Metrics() }: NodeDeps): Promise<RunningNode> {
  await step('store', () => store.init());
  const adminTokenGenerated = config.adminToken === undefined;
  const adminToken = config.adminToken ?? generateAdminToken();
  const jwtSecret = config.jwtSecret ?? loadOrCreateJwtSecret(config.dataDir);

  // Publishing fails fast while Redis is down, so local delivery never waits on it; subscribers queue
  // their (re)subscriptions until the connection is back.
  const publisher = createRedis(config.redisUrl, 'publisher', logger, { enableOfflineQueue: false });
  const adapterSubscriber = createRedis(config.redisUrl, 'adapter-subscriber', logger, { maxRetriesPerRequest: null });
  const feedSubscriber = createRedis(config.redisUrl, 'feed-subscriber', logger, { maxRetriesPerRequest: null });
  const redisClients: Redis[] = [publisher, adapterSubscriber, feedSubscriber];
  await waitForRedis(redisClients, logger);

  const bus = new EventBus((error) => logger.error({ err: error }, 'applied-event listener failed'));
  const couriers = new CourierService({
    store,
    bus,
    idleMs: config.actorIdleMs,
    onFlushError: (error) => logger.warn({ err: error }, 'courier positions not stored; retrying'),
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
    onAssigned: (tenantId, courierId) => couriers.assignmentChanged(tenantId, courierId),
  });
  const tokens = new TokenService({ store, adminToken, jwtSecret });
  const readiness = async (): Promise<void> => {
    await store.ping();
    await publisher.ping();
  };
  const app = createApp({ store, orders, couriers, tokens, metrics, logger, readiness });

  const server = http.createServer(app.callback());
  // Keep-alive longer than common load balancers' idle timeout, so they close first.
  server.keepAliveTimeout = 65_000;
  const drain = trackResponses(server);
  const gateway = new Gateway({
    httpServer: server,
    tokens,
    orders,
    store,
    bus,
    publisher,
    adapterSubscriber,
    feedSubscriber,
    prefix: config.redisPrefix,
    logger,
  });
  couriers.setSink((tenantId, courierId, orderIds, position) => gateway.pushLocation(tenantId, courierId, orderIds, position));
  await step('http', () => listen(server, config.port, config.host));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // HTTP stops accepting → sockets close → in-flight requests finish → actors drain → store flushes.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      drain();
      server.closeIdleConnections();
      await gateway.close();
      await closed;
      await orders.stop();
      await couriers.stop();
      await store.close();
      await Promise.all(redisClients.map((client) => client.quit().catch(() => client.disconnect())));
    })());

  return { url, port, adminToken, adminTokenGenerated, orders, couriers, gateway, bus, metrics, store, stop };
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
  const ready = Promise.all(clients.map((client) => (client.status === 'ready' ? undefined : once(client, 'ready'))));
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

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

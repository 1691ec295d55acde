import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { EventBus } from './actors/event-bus';
import { OrderService } from './actors/order-service';
import { TokenService } from './auth/token-service';
import type { Config } from './config';
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
  bus: EventBus;
  metrics: Metrics;
  store: Store;
  /** Stops accepting, finishes in-flight requests, drains actors, flushes and closes the store. */
  stop(): Promise<void>;
}

/** Builds and starts a node: store → actors → HTTP. Each step fails with one line of context. */
export async function startNode({ config, logger, store, metrics = new Metrics() }: NodeDeps): Promise<RunningNode> {
  await step('store', () => store.init());
  const adminTokenGenerated = config.adminToken === undefined;
  const adminToken = config.adminToken ?? generateAdminToken();
  const jwtSecret = config.jwtSecret ?? loadOrCreateJwtSecret(config.dataDir);

  const bus = new EventBus((error) => logger.error({ err: error }, 'applied-event listener failed'));
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
  });
  const tokens = new TokenService({ store, adminToken, jwtSecret });
  const app = createApp({ store, orders, tokens, metrics, logger, readiness: () => store.ping() });

  const server = http.createServer(app.callback());
  // Keep-alive longer than common load balancers' idle timeout, so they close first.
  server.keepAliveTimeout = 65_000;
  await step('http', () => listen(server, config.port, config.host));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed; // in-flight requests finish; keep-alive sockets close after their response
      await orders.stop();
      await store.close();
    })());

  return { url, port, adminToken, adminTokenGenerated, orders, bus, metrics, store, stop };
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

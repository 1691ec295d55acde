import { ConfigError, loadConfig, type Config, type StoreConfig } from './config';
import { createLogger } from './logger';
import { startNode, type NodeDeps } from './node';
import type { Logger } from 'pino';
import { createMongoStore } from './store/mongo/create-store';
import { createPostgresStore } from './store/postgres/create-store';
import { createSqliteStore } from './store/sqlite/create-store';
import { createThreadedStore } from './store/sqlite/threaded-store';
import type { Store } from './store/store';
import { Metrics } from './metrics';

export interface RunOptions {
  /**
   * Wraps the store before the node uses it: crash tests' entry points inject faults here, never production.
   * @default the store itself
   */
  wrapStore?: (store: Store) => Store;
  /** See {@link NodeDeps.wrapChannel}. @default the channel itself */
  wrapChannel?: NodeDeps['wrapChannel'];
  /** See {@link NodeDeps.wrapPush}. @default the channel itself */
  wrapPush?: NodeDeps['wrapPush'];
}

/** Composition root: config → logger → store → node; SIGTERM/SIGINT shut down in reverse order. */
export async function run({ wrapStore = (store) => store, wrapChannel, wrapPush }: RunOptions = {}): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const metrics = new Metrics();
  let store: Store;
  try {
    store = openStore(config.store, metrics, logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
    } else {
      process.stderr.write(`start-up failed at store: ${(error as Error).message}\n`);
    }
    process.exit(1);
  }
  const node = await startNode({ config, logger, store: wrapStore(store), metrics, wrapChannel, wrapPush });
  if (node.url) {
    logger.info(
      { url: node.url, dashboard: `${node.publicUrl}/dashboard`, role: config.role, data_dir: config.dataDir, pid: process.pid },
      `listening on ${node.url}; dashboard at ${node.publicUrl}/dashboard`,
    );
  } else {
    logger.info({ worker: true, role: config.role, pid: process.pid }, 'notifier worker started');
  }
  if (node.adminTokenGenerated) {
    logger.info({ admin_token: node.adminToken }, `generated admin token (set ADMIN_TOKEN to choose one): ${node.adminToken}`);
  }

  let shuttingDown = false;
  const shutdown = (signal: string): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeout_ms: config.shutdownTimeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    node.stop().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/**
 * The store adapter the settings choose. Only main picks an adapter (the demo asks it too); everything else sees
 * the ports.
 */
export function openStore(settings: StoreConfig, metrics: Metrics, logger: Logger): Store {
  switch (settings.kind) {
    case 'sqlite': {
      const options = {
        dataDir: settings.dataDir,
        sync: settings.sync,
        busyTimeoutMs: settings.busyTimeoutMs,
        onBatch: metrics.observeStoreBatch,
        counters: metrics.storeCounters,
      };
      if (!settings.thread) return createSqliteStore(options);
      return createThreadedStore({
        ...options,
        onThreadExit: (error, replaced) =>
          logger.error(
            { err: error },
            replaced ? 'the store thread stopped; a new one opens the database' : 'the store thread could not start; the store is unavailable',
          ),
      });
    }
    case 'postgres':
      return createPostgresStore({
        url: settings.url,
        schema: settings.schema,
        onPoolError: (error) => logger.warn({ err: error }, 'database connection lost; it is replaced'),
        counters: metrics.storeCounters,
      });
    case 'mongo':
      return createMongoStore({ uri: settings.uri, counters: metrics.storeCounters });
  }
}

/** Starts a node, reporting a failed start on one line. */
export function runOrExit(options?: RunOptions): void {
  run(options).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}

if (require.main === module) runOrExit();

import type { ClusterNode } from 'ioredis';
import { z } from 'zod';
import { DEFAULT_MQTT_TOPICS, parseTopicFilters } from './devices/mqtt-topics';
import { isVapidSubject, vapidKeysProblem, type VapidKeys } from './domain/push';
import { parseClusterNodes } from './gateways/redis';
import { parseTrustProxy, type TrustProxy } from './http/client-address';
import { parseSecretsKey } from './auth/secret-box';

/** Raised for a bad setting; `variable` names the environment variable at fault. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

// Digits only: Number(' ') is 0, which would quietly mean "any free port".
const digits = z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number);
const port = digits.pipe(z.number().max(65535, 'must be at most 65535'));
const positiveInt = digits.pipe(z.number().positive('must be greater than 0'));
const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL (${protocols.join(' or ')})`);
// `N/s` or `N/min`; nine digits at most keeps N a safe integer far above any budget anyone means.
const rateBudget = z
  .string()
  .trim()
  .regex(/^[1-9]\d{0,8}\/(s|min)$/, 'must be N/s or N/min with N a whole number from 1')
  .transform((value): RateBudget => {
    const [points, unit] = value.split('/') as [string, 's' | 'min'];
    return { points: Number(points), durationSeconds: unit === 's' ? 1 : 60 };
  });
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
// Unset or empty means the default, parsed like a setting (so it reads as API.md writes it).
const budgetOr = (fallback: `${number}/${'s' | 'min'}`) =>
  z.preprocess((value) => (value === undefined || value === '' ? fallback : value), rateBudget);

const schema = z.object({
  PORT: optional(port).default(3000),
  HOST: optional(z.string().min(1)).default('127.0.0.1'),
  DATA_DIR: optional(z.string().min(1)).default('./data'),
  DATABASE_URL: optional(url(['postgres:', 'postgresql:'])),
  DATABASE_SCHEMA: optional(z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')).default('public'),
  MONGODB_URI: optional(url(['mongodb:', 'mongodb+srv:'])),
  REDIS_URL: optional(url(['redis:', 'rediss:'])).default('redis://127.0.0.1:6379'),
  REDIS_CLUSTER_NODES: optional(z.string().min(1)),
  REDIS_PREFIX: optional(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . or -')).default('trk'),
  ADMIN_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
  JWT_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
  SECRETS_KEY: optional(z.string().transform((value, context): Buffer => {
    try {
      return parseSecretsKey(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  })),
  SMTP_URL: optional(url(['smtp:', 'smtps:'])),
  SMTP_FALLBACK_URL: optional(url(['smtp:', 'smtps:'])),
  MAIL_FROM: optional(z.string().regex(/@/, 'must be an email address')).default('tracking@localhost'),
  TWILIO_ACCOUNT_SID: optional(z.string().min(1)),
  TWILIO_AUTH_TOKEN: optional(z.string().min(1)),
  TWILIO_FROM: optional(z.string().min(1)),
  TWILIO_API_BASE: optional(url(['http:', 'https:'])).default('https://api.twilio.com'),
  LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])).default('info'),
  ACTOR_IDLE_MS: optional(positiveInt).default(120_000),
  MAX_ACTORS: optional(positiveInt).default(100_000),
  SHUTDOWN_TIMEOUT_MS: optional(positiveInt).default(10_000),
  PUBLIC_URL: optional(url(['http:', 'https:'])),
  STORE_SYNC: optional(z.enum(['full', 'normal'])).default('full'),
  STORE_BUSY_TIMEOUT_MS: optional(positiveInt).default(5000),
  STORE_THREAD: optional(z.enum(['true', 'false'], { message: 'must be true or false' })).default('false'),
  PROCESS_ROLE: optional(z.enum(['all', 'api', 'worker'])).default('all'),
  NOTIFY_ATTEMPTS: optional(positiveInt).default(4),
  NOTIFY_BACKOFF_MS: optional(positiveInt).default(1000),
  NOTIFY_CONCURRENCY: optional(positiveInt).default(50),
  NOTIFY_LOCK_MS: optional(positiveInt).default(15_000),
  NOTIFY_BATCH_MS: optional(digits).default(100),
  NOTIFY_BATCH_SIZE: optional(positiveInt).default(100),
  LIVE_CHECK_MS: optional(positiveInt).default(500),
  LIVE_POSITION_MS: optional(digits).default(1000),
  LIVE_PING_INTERVAL_MS: optional(positiveInt).default(25_000),
  LIVE_PING_TIMEOUT_MS: optional(positiveInt).default(20_000),
  WEBHOOK_ALLOW_PRIVATE: optional(z.enum(['true', 'false'], { message: 'must be true or false' })).default('false'),
  WEBHOOK_ATTEMPTS: optional(positiveInt).default(8),
  WEBHOOK_BACKOFF_MS: optional(positiveInt).default(5000),
  WEBHOOK_TIMEOUT_MS: optional(positiveInt).default(15_000),
  WEBHOOK_CONCURRENCY: optional(positiveInt).default(50),
  WEBHOOK_ENDPOINT_CONCURRENCY: optional(positiveInt).default(4),
  WEBHOOK_TENANT_CONCURRENCY: optional(positiveInt).default(16),
  WEBHOOK_LOCK_MS: optional(positiveInt).default(30_000),
  MAP_TILE_URL: optional(
    z
      .string()
      .regex(/^https?:\/\/[^\s]*\{z\}[^\s]*\{x\}[^\s]*\{y\}[^\s]*$/, 'must be an http(s) URL template with {z}, {x} and {y}'),
  ),
  MAP_ATTRIBUTION: optional(z.string().max(500)),
  STALE_AFTER_H: optional(positiveInt).default(24),
  RETENTION_SWEEP_MS: optional(positiveInt).default(3_600_000),
  RATE_LIMIT_BUSINESS: budgetOr('2000/s'),
  RATE_LIMIT_USER: budgetOr('20/s'),
  RATE_LIMIT_ANON: budgetOr('10/s'),
  TRUST_PROXY: optional(z.string().transform((value, context): TrustProxy => {
    try {
      return parseTrustProxy(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  })),
  METRICS_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
  MAX_CONNECTIONS: optional(positiveInt).default(10_000),
  BODY_TIMEOUT_MS: optional(positiveInt).default(30_000),
  BASEMAP_CACHE_MB: optional(positiveInt).default(32),
  VAPID_PUBLIC_KEY: optional(z.string().trim()),
  VAPID_PRIVATE_KEY: optional(z.string().trim()),
  VAPID_SUBJECT: optional(z.string().trim().refine(isVapidSubject, 'must be a mailto: address or an https: URL')),
  MQTT_URL: optional(url(['mqtt:', 'mqtts:', 'ws:', 'wss:'])),
  MQTT_TOPICS: optional(z.string().transform((value, context) => {
    try {
      return parseTopicFilters(value);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  })).default(parseTopicFilters(DEFAULT_MQTT_TOPICS)),
});

/** A request budget: at most `points` requests per window of `durationSeconds`. */
export interface RateBudget {
  points: number;
  durationSeconds: number;
}

/**
 * The store a node uses (API.md: at most one of `DATABASE_URL` and `MONGODB_URI`; neither means the embedded one).
 */
export type StoreConfig =
  | {
      kind: 'sqlite';
      /** Holds `tracking.db`. */
      dataDir: string;
      /**
       * `full`: every commit is fsynced before anyone hears of it (survives power loss); `normal`: commits reach the
       * OS before the answer (survive a process crash), fsync happens at checkpoints — faster on slow disks.
       */
      sync: 'full' | 'normal';
      /** How long a request waits for another process's lock on the file before it is answered 503. */
      busyTimeoutMs: number;
      /** The database on a thread of its own (`STORE_THREAD`), so commits do not hold the event loop. */
      thread: boolean;
    }
  | {
      kind: 'postgres';
      url: string;
      /** Schema of the tables (`DATABASE_SCHEMA`), so several clusters can share one database. */
      schema: string;
    }
  | { kind: 'mongo'; uri: string };

/** The node's settings, read and validated once at start-up. */
export interface Config {
  port: number;
  host: string;
  /**
   * The node's own files: the generated JWT secret (whatever the store), and the embedded store's database when it
   * is the one in use.
   */
  dataDir: string;
  store: StoreConfig;
  redisUrl: string;
  /** `REDIS_CLUSTER_NODES`: seed nodes of a Redis Cluster that every Redis user connects to instead of `redisUrl`. */
  redisCluster: ClusterNode[] | null;
  /** Prefix of this cluster's Redis channels, so several clusters (or test runs) can share one Redis. */
  redisPrefix: string;
  /** Unset: main generates one and prints it. */
  adminToken: string | undefined;
  /** Unset: main generates one and keeps it in `dataDir`, so nodes sharing it agree. */
  jwtSecret: string | undefined;
  /**
   * `SECRETS_KEY` (32 bytes): seals the secrets the store keeps (webhook and source signing secrets, payment
   * providers' credentials) with AES-256-GCM; null: they are kept as given (a warning at start says so).
   */
  secretsKey: Buffer | null;
  smtpUrl: string | undefined;
  /** A second mail relay for when the first is down or keeps failing (needs `smtpUrl`). */
  smtpFallbackUrl: string | undefined;
  mailFrom: string;
  twilio: { accountSid: string; authToken: string; from: string; apiBase: string } | undefined;
  logLevel: string;
  /** Order actors idle this long are passivated. */
  actorIdleMs: number;
  /** Upper bound on live order actors per node. */
  maxActors: number;
  /** Shutdown gives up waiting for in-flight work after this long. */
  shutdownTimeoutMs: number;
  /**
   * Base of links in alerts (`/track/<order>?token=…`) and of the printed dashboard address. Unset: the node's own
   * address once it listens (a worker-only process, which does not listen: `http://HOST:PORT`).
   */
  publicUrl: string | undefined;
  /** `api` serves HTTP and sockets only, `worker` runs notifier workers only, `all` does both. */
  role: 'all' | 'api' | 'worker';
  notify: {
    /** Attempts per channel before falling through to the next one. */
    attempts: number;
    /** First retry delay (doubles each retry). */
    backoffMs: number;
    concurrency: number;
    /** Job lock: a dead worker's jobs run again after about this long. */
    lockMs: number;
    /** Alerts that need a channel are gathered this long (0: one event-loop turn) into one job of at most `batchSize`. */
    batchMs: number;
    batchSize: number;
  };
  /** Outbound webhooks (API.md "Webhooks"): where they may go and how they are delivered. */
  webhooks: {
    /** Lets endpoints point at loopback and private addresses (local development, tests). */
    allowPrivate: boolean;
    /** Attempts per message before it is `failed`. */
    attempts: number;
    /** Delay before the second attempt, doubled before each later one. */
    backoffMs: number;
    /** One attempt's time limit (a 2xx within it is success). */
    timeoutMs: number;
    /** Attempts one worker process makes at once. */
    concurrency: number;
    /** Attempts in flight per endpoint, and per tenant, across the cluster. */
    endpointConcurrency: number;
    tenantConcurrency: number;
    /** Job lock: a dead worker's messages are tried again after about this long. */
    lockMs: number;
  };
  /**
   * How often each node compares the orders its sockets watch with the store, to deliver events no publish
   * carried (within about two of these).
   */
  liveCheckMs: number;
  /** At most one courier position per order is pushed to its watchers in this many ms, the newest (0: every one). */
  livePositionMs: number;
  /**
   * The sockets' heartbeat (`LIVE_PING_INTERVAL_MS`, `LIVE_PING_TIMEOUT_MS`): a client whose node goes silent moves to
   * another within about their sum.
   */
  liveHeartbeat: { pingIntervalMs: number; pingTimeoutMs: number };
  /** The pages' maps: raster tiles from `tileUrl` (with its attribution), or the bundled offline basemap. */
  map: { tileUrl: string | undefined; attribution: string | undefined };
  /** The dashboard lists an order as stale after this many hours without an event. */
  staleAfterHours: number;
  /** How often each node runs the retention sweep (API.md "Privacy"). */
  retentionSweepMs: number;
  /** Request budgets of the HTTP API (`RATE_LIMIT_*`), held across the cluster in Redis. */
  rateLimit: {
    /** Per tenant API key. */
    business: RateBudget;
    /** Per customer, courier, staff member or tracking link (tenant + role + subject). */
    user: RateBudget;
    /** Per client address, for calls without valid credentials. */
    anonymous: RateBudget;
  };
  /** How the node's HTTP server guards itself (API.md "Limits (more)"). */
  http: {
    /** `TRUST_PROXY`: the proxies whose `X-Forwarded-For` names the client; null: none, the peer is the client. */
    trustProxy: TrustProxy | null;
    /** `MAX_CONNECTIONS`: HTTP connections (sockets' included) the node holds at once; more are refused. */
    maxConnections: number;
    /** `BODY_TIMEOUT_MS`: a request must have arrived whole (headers and body) this long after it began, else 408. */
    requestTimeoutMs: number;
  };
  /** `METRICS_TOKEN`: the bearer token `/metrics` wants; unset: it answers loopback callers only. */
  metricsToken: string | undefined;
  /** `BASEMAP_CACHE_MB`: memory the offline basemap's cut tiles may take, in bytes. */
  basemapCacheBytes: number;
  /**
   * `MQTT_URL`, `MQTT_TOPICS`: the broker IoT trackers publish positions to, and the topic filters the HTTP nodes
   * share a subscription to (API.md "Devices"); null: no MQTT.
   */
  mqtt: { url: string; topics: string[] } | null;
  /** Web Push (API.md "Web Push"): how pushes are signed (VAPID, RFC 8292). */
  push: {
    /** `VAPID_PUBLIC_KEY` and `VAPID_PRIVATE_KEY`; null: the pair the store keeps for the cluster (generated once). */
    vapidKeys: VapidKeys | null;
    /** `VAPID_SUBJECT`: how a push service reaches the sender; unset: `mailto:` MAIL_FROM. */
    subject: string;
  };
}

/**
 * Reads the settings from an environment.
 * @throws ConfigError naming the first bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const v = parsed.data;
  const twilioParts = [v.TWILIO_ACCOUNT_SID, v.TWILIO_AUTH_TOKEN, v.TWILIO_FROM];
  const twilioSet = twilioParts.filter((part) => part !== undefined).length;
  if (twilioSet > 0 && twilioSet < 3) {
    const missing = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'][twilioParts.indexOf(undefined)]!;
    throw new ConfigError(missing, 'must be set together with the other TWILIO_* settings');
  }
  if (v.SMTP_FALLBACK_URL !== undefined && v.SMTP_URL === undefined) {
    throw new ConfigError('SMTP_FALLBACK_URL', 'needs SMTP_URL (it is the second relay, tried when the first fails)');
  }
  if (v.WEBHOOK_TENANT_CONCURRENCY < v.WEBHOOK_ENDPOINT_CONCURRENCY) {
    throw new ConfigError('WEBHOOK_TENANT_CONCURRENCY', 'must be at least WEBHOOK_ENDPOINT_CONCURRENCY');
  }
  const vapidKeys = vapidSettings(v.VAPID_PUBLIC_KEY, v.VAPID_PRIVATE_KEY);
  let redisCluster: ClusterNode[] | null = null;
  if (v.REDIS_CLUSTER_NODES !== undefined) {
    try {
      redisCluster = parseClusterNodes(v.REDIS_CLUSTER_NODES);
    } catch (error) {
      throw new ConfigError('REDIS_CLUSTER_NODES', `must be a comma list of host:port (${(error as Error).message})`);
    }
  }
  if (v.DATABASE_URL !== undefined && v.MONGODB_URI !== undefined) {
    throw new ConfigError('DATABASE_URL', 'must not be set together with MONGODB_URI (a node uses one store)');
  }
  const store: StoreConfig =
    v.DATABASE_URL !== undefined
      ? { kind: 'postgres', url: v.DATABASE_URL, schema: v.DATABASE_SCHEMA }
      : v.MONGODB_URI !== undefined
        ? { kind: 'mongo', uri: v.MONGODB_URI }
        : { kind: 'sqlite', dataDir: v.DATA_DIR, sync: v.STORE_SYNC, busyTimeoutMs: v.STORE_BUSY_TIMEOUT_MS, thread: v.STORE_THREAD === 'true' };
  return {
    port: v.PORT,
    host: v.HOST,
    dataDir: v.DATA_DIR,
    store,
    redisUrl: v.REDIS_URL,
    redisCluster,
    redisPrefix: v.REDIS_PREFIX,
    adminToken: v.ADMIN_TOKEN,
    jwtSecret: v.JWT_SECRET,
    secretsKey: v.SECRETS_KEY ?? null,
    smtpUrl: v.SMTP_URL,
    smtpFallbackUrl: v.SMTP_FALLBACK_URL,
    mailFrom: v.MAIL_FROM,
    twilio:
      twilioSet === 3
        ? { accountSid: v.TWILIO_ACCOUNT_SID!, authToken: v.TWILIO_AUTH_TOKEN!, from: v.TWILIO_FROM!, apiBase: v.TWILIO_API_BASE }
        : undefined,
    logLevel: v.LOG_LEVEL,
    actorIdleMs: v.ACTOR_IDLE_MS,
    maxActors: v.MAX_ACTORS,
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
    publicUrl: v.PUBLIC_URL?.replace(/\/$/, ''),
    role: v.PROCESS_ROLE,
    notify: {
      attempts: v.NOTIFY_ATTEMPTS,
      backoffMs: v.NOTIFY_BACKOFF_MS,
      concurrency: v.NOTIFY_CONCURRENCY,
      lockMs: v.NOTIFY_LOCK_MS,
      batchMs: v.NOTIFY_BATCH_MS,
      batchSize: v.NOTIFY_BATCH_SIZE,
    },
    liveCheckMs: v.LIVE_CHECK_MS,
    livePositionMs: v.LIVE_POSITION_MS,
    liveHeartbeat: { pingIntervalMs: v.LIVE_PING_INTERVAL_MS, pingTimeoutMs: v.LIVE_PING_TIMEOUT_MS },
    webhooks: {
      allowPrivate: v.WEBHOOK_ALLOW_PRIVATE === 'true',
      attempts: v.WEBHOOK_ATTEMPTS,
      backoffMs: v.WEBHOOK_BACKOFF_MS,
      timeoutMs: v.WEBHOOK_TIMEOUT_MS,
      concurrency: v.WEBHOOK_CONCURRENCY,
      endpointConcurrency: v.WEBHOOK_ENDPOINT_CONCURRENCY,
      tenantConcurrency: v.WEBHOOK_TENANT_CONCURRENCY,
      lockMs: v.WEBHOOK_LOCK_MS,
    },
    map: { tileUrl: v.MAP_TILE_URL, attribution: v.MAP_ATTRIBUTION },
    staleAfterHours: v.STALE_AFTER_H,
    retentionSweepMs: v.RETENTION_SWEEP_MS,
    rateLimit: { business: v.RATE_LIMIT_BUSINESS, user: v.RATE_LIMIT_USER, anonymous: v.RATE_LIMIT_ANON },
    http: { trustProxy: v.TRUST_PROXY ?? null, maxConnections: v.MAX_CONNECTIONS, requestTimeoutMs: v.BODY_TIMEOUT_MS },
    metricsToken: v.METRICS_TOKEN,
    basemapCacheBytes: v.BASEMAP_CACHE_MB * 1024 * 1024,
    mqtt: v.MQTT_URL !== undefined ? { url: v.MQTT_URL, topics: v.MQTT_TOPICS } : null,
    push: { vapidKeys, subject: v.VAPID_SUBJECT ?? `mailto:${v.MAIL_FROM}` },
  };
}

/** The VAPID key pair the settings give (both keys, one the other's), or null when they give none. */
function vapidSettings(publicKey: string | undefined, privateKey: string | undefined): VapidKeys | null {
  if (publicKey === undefined && privateKey === undefined) return null;
  if (publicKey === undefined) throw new ConfigError('VAPID_PUBLIC_KEY', 'must be set together with VAPID_PRIVATE_KEY');
  if (privateKey === undefined) throw new ConfigError('VAPID_PRIVATE_KEY', 'must be set together with VAPID_PUBLIC_KEY');
  // Kept as browsers and `web-push` write them: base64url without padding.
  const keys = { publicKey: publicKey.replace(/=+$/, ''), privateKey: privateKey.replace(/=+$/, '') };
  const problem = vapidKeysProblem(keys);
  if (problem) throw new ConfigError(problem.key === 'publicKey' ? 'VAPID_PUBLIC_KEY' : 'VAPID_PRIVATE_KEY', problem.message);
  return keys;
}

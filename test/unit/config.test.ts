import { ConfigError, loadConfig } from '../../src/config';
import { generateVapidKeys } from '../../src/domain/push';

const TWILIO = {
  TWILIO_ACCOUNT_SID: 'AC123',
  TWILIO_AUTH_TOKEN: 'secret-token',
  TWILIO_FROM: '+15550000000',
};

/** Runs `loadConfig` and returns the ConfigError it throws (fails the test if it does not throw one). */
function configErrorFor(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the defaults of API.md when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: './data',
      redisUrl: 'redis://127.0.0.1:6379',
      mailFrom: 'tracking@localhost',
      store: { kind: 'sqlite', dataDir: './data', sync: 'full', busyTimeoutMs: 5000 },
      smtpUrl: undefined,
      adminToken: undefined,
      jwtSecret: undefined,
      twilio: undefined,
      rateLimit: {
        business: { points: 2000, durationSeconds: 1 },
        user: { points: 20, durationSeconds: 1 },
        anonymous: { points: 10, durationSeconds: 1 },
      },
    });
  });

  it('reads request budgets per second or per minute, empty meaning the default', () => {
    const config = loadConfig({ RATE_LIMIT_BUSINESS: '500/min', RATE_LIMIT_USER: ' 5/s ', RATE_LIMIT_ANON: '' });
    expect(config.rateLimit).toEqual({
      business: { points: 500, durationSeconds: 60 },
      user: { points: 5, durationSeconds: 1 },
      anonymous: { points: 10, durationSeconds: 1 },
    });
  });

  it('has no setting that makes a node kill itself: FAULT_INJECTION changes nothing (crash tests use entry points)', () => {
    for (const fault of ['crash_after_email_sent', 'crash_after_sms_sent', 'crash_before_loyalty_booking']) {
      expect(loadConfig({ FAULT_INJECTION: fault })).toEqual(loadConfig({}));
    }
  });

  it('reads the webhook settings (API.md: private targets refused, 8 attempts from 5 s, 15 s per attempt)', () => {
    expect(loadConfig({}).webhooks).toEqual({
      allowPrivate: false, attempts: 8, backoffMs: 5000, timeoutMs: 15_000, concurrency: 50, endpointConcurrency: 4, tenantConcurrency: 16, lockMs: 30_000,
    });
    expect(loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_ATTEMPTS: '3', WEBHOOK_BACKOFF_MS: '50' }).webhooks).toMatchObject({
      allowPrivate: true, attempts: 3, backoffMs: 50,
    });
    expect(configErrorFor({ WEBHOOK_ALLOW_PRIVATE: 'yes' }).variable).toBe('WEBHOOK_ALLOW_PRIVATE');
    expect(configErrorFor({ WEBHOOK_ATTEMPTS: '0' }).variable).toBe('WEBHOOK_ATTEMPTS');
    expect(configErrorFor({ WEBHOOK_ENDPOINT_CONCURRENCY: '8', WEBHOOK_TENANT_CONCURRENCY: '4' }).variable).toBe('WEBHOOK_TENANT_CONCURRENCY');
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({ PORT: '', HOST: '', REDIS_URL: '', MONGODB_URI: '', DATABASE_URL: '', TWILIO_ACCOUNT_SID: '' });
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', redisUrl: 'redis://127.0.0.1:6379', twilio: undefined });
    expect(config.store.kind).toBe('sqlite');
  });

  it('reads valid settings', () => {
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/tracking',
      MONGODB_URI: 'mongodb://db:27017/tracking',
      REDIS_URL: 'rediss://cache:6380',
      ADMIN_TOKEN: 'a'.repeat(16),
      JWT_SECRET: 'j'.repeat(32),
      SMTP_URL: 'smtp://mail:25',
      MAIL_FROM: 'noreply@shop.example',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      dataDir: '/var/lib/tracking',
      store: { kind: 'mongo', uri: 'mongodb://db:27017/tracking' },
      redisUrl: 'rediss://cache:6380',
      adminToken: 'a'.repeat(16),
      jwtSecret: 'j'.repeat(32),
      smtpUrl: 'smtp://mail:25',
      mailFrom: 'noreply@shop.example',
      logLevel: 'debug',
    });
  });

  it('reads Redis Cluster seed nodes, and names REDIS_CLUSTER_NODES when one is not host:port', () => {
    expect(loadConfig({}).redisCluster).toBeNull();
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b.internal:7001,[::1]:7002' }).redisCluster).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b.internal', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    for (const bad of ['10.0.0.1', '10.0.0.1:0', 'a:7000,,b:7001', 'host:99999']) {
      const error = configErrorFor({ REDIS_CLUSTER_NODES: bad });
      expect(error.variable).toBe('REDIS_CLUSTER_NODES');
      expect(error.message).toMatch(/host:port/);
    }
  });

  it('reads the sockets\' heartbeat, 25 s + 20 s by default', () => {
    expect(loadConfig({}).liveHeartbeat).toEqual({ pingIntervalMs: 25_000, pingTimeoutMs: 20_000 });
    expect(loadConfig({ LIVE_PING_INTERVAL_MS: '5000', LIVE_PING_TIMEOUT_MS: '4000' }).liveHeartbeat).toEqual({ pingIntervalMs: 5000, pingTimeoutMs: 4000 });
    expect(configErrorFor({ LIVE_PING_TIMEOUT_MS: 'soon' }).variable).toBe('LIVE_PING_TIMEOUT_MS');
  });

  it('reads the MQTT broker and its topic filters (API.md "Devices"), off by default, and names a bad one', () => {
    expect(loadConfig({}).mqtt).toBeNull();
    expect(loadConfig({ MQTT_URL: 'mqtt://broker:1883' }).mqtt).toEqual({ url: 'mqtt://broker:1883', topics: ['owntracks/+/+', 'trk/devices/+/position'] });
    expect(loadConfig({ MQTT_URL: 'mqtts://u:p@broker', MQTT_TOPICS: ' fleet/+/gps , acme/owntracks/+/+ ' }).mqtt).toEqual({ url: 'mqtts://u:p@broker', topics: ['fleet/+/gps', 'acme/owntracks/+/+'] });
    expect(configErrorFor({ MQTT_URL: 'http://broker' }).variable).toBe('MQTT_URL');
    // Each filter names the device key's level with a +, and lets through no topic where that level is something else.
    for (const topics of ['owntracks/+/+,', 'fleet/a+/gps', 'owntracks/#', 'fleet/van7/gps', '$share/g/owntracks/+/+']) {
      const error = configErrorFor({ MQTT_URL: 'mqtt://broker', MQTT_TOPICS: topics });
      expect(error.variable).toBe('MQTT_TOPICS');
      expect(error.message).not.toContain('\n');
    }
  });

  it('reads the retention sweep period', () => {
    expect(loadConfig({}).retentionSweepMs).toBe(3_600_000);
    expect(loadConfig({ RETENTION_SWEEP_MS: '60000' }).retentionSweepMs).toBe(60_000);
    expect(configErrorFor({ RETENTION_SWEEP_MS: '0' }).variable).toBe('RETENTION_SWEEP_MS');
  });

  it('reads a second mail relay beside the first', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://mail:25', SMTP_FALLBACK_URL: 'smtps://backup:465' })).toMatchObject({
      smtpUrl: 'smtp://mail:25',
      smtpFallbackUrl: 'smtps://backup:465',
    });
    expect(loadConfig({}).smtpFallbackUrl).toBeUndefined();
  });

  it('enables SMS only with all three TWILIO_* settings, with the default API base', () => {
    expect(loadConfig(TWILIO).twilio).toEqual({
      accountSid: 'AC123',
      authToken: 'secret-token',
      from: '+15550000000',
      apiBase: 'https://api.twilio.com',
    });
    expect(loadConfig({ ...TWILIO, TWILIO_API_BASE: 'http://127.0.0.1:4010' }).twilio?.apiBase).toBe(
      'http://127.0.0.1:4010',
    );
  });

  it.each<[string, NodeJS.ProcessEnv]>([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '80.5' }],
    ['REDIS_URL', { REDIS_URL: 'http://x' }],
    ['REDIS_URL', { REDIS_URL: 'not a url' }],
    ['MONGODB_URI', { MONGODB_URI: 'nope' }],
    ['MONGODB_URI', { MONGODB_URI: 'postgres://db/x' }],
    ['DATABASE_URL', { DATABASE_URL: 'nope' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://db/x' }],
    ['DATABASE_URL', { DATABASE_URL: 'mongodb://db/x' }],
    ['STORE_SYNC', { STORE_SYNC: 'sometimes' }],
    ['STORE_BUSY_TIMEOUT_MS', { STORE_BUSY_TIMEOUT_MS: '0' }],
    ['SMTP_URL', { SMTP_URL: 'ftp://x' }],
    ['SMTP_FALLBACK_URL', { SMTP_URL: 'smtp://mail:25', SMTP_FALLBACK_URL: 'http://x' }],
    ['SMTP_FALLBACK_URL', { SMTP_FALLBACK_URL: 'smtp://backup:25' }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['JWT_SECRET', { JWT_SECRET: 'j'.repeat(31) }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'short' }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'a'.repeat(15) }],
    ['TWILIO_API_BASE', { TWILIO_API_BASE: 'not a url' }],
    ['TWILIO_API_BASE', { ...TWILIO, TWILIO_API_BASE: 'twilio' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['RATE_LIMIT_BUSINESS', { RATE_LIMIT_BUSINESS: '2000' }],
    ['RATE_LIMIT_BUSINESS', { RATE_LIMIT_BUSINESS: '10/h' }],
    ['RATE_LIMIT_BUSINESS', { RATE_LIMIT_BUSINESS: '1234567890/s' }],
    ['RATE_LIMIT_USER', { RATE_LIMIT_USER: '0/s' }],
    ['RATE_LIMIT_USER', { RATE_LIMIT_USER: '-5/s' }],
    ['RATE_LIMIT_USER', { RATE_LIMIT_USER: '2.5/min' }],
    ['RATE_LIMIT_ANON', { RATE_LIMIT_ANON: 'ten/s' }],
    ['RATE_LIMIT_ANON', { RATE_LIMIT_ANON: '10 / s' }],
    ['RATE_LIMIT_ANON', { RATE_LIMIT_ANON: '10/sec' }],
  ])('rejects a bad %s (%j) naming the variable', (variable, env) => {
    const error = configErrorFor(env);
    expect(error.variable).toBe(variable);
    // One clear line naming the variable.
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain('\n');
  });

  it.each<[NodeJS.ProcessEnv, string[]]>([
    [{ TWILIO_ACCOUNT_SID: 'AC123' }, ['TWILIO_AUTH_TOKEN', 'TWILIO_FROM']],
    [{ TWILIO_AUTH_TOKEN: 'secret-token' }, ['TWILIO_ACCOUNT_SID', 'TWILIO_FROM']],
    [{ TWILIO_FROM: '+15550000000' }, ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN']],
    [{ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'secret-token' }, ['TWILIO_FROM']],
    [{ TWILIO_ACCOUNT_SID: 'AC123', TWILIO_FROM: '+15550000000' }, ['TWILIO_AUTH_TOKEN']],
    [{ TWILIO_AUTH_TOKEN: 'secret-token', TWILIO_FROM: '+15550000000' }, ['TWILIO_ACCOUNT_SID']],
  ])('rejects a partial Twilio setting %j, naming a missing variable', (env, missing) => {
    const error = configErrorFor(env);
    expect(missing).toContain(error.variable);
    expect(error.message).toContain(error.variable);
  });

  describe('the store', () => {
    it('is the embedded one by default, in DATA_DIR with its sync and lock wait', () => {
      expect(loadConfig({ DATA_DIR: '/srv/data', STORE_SYNC: 'normal', STORE_BUSY_TIMEOUT_MS: '250' }).store).toEqual({
        kind: 'sqlite',
        dataDir: '/srv/data',
        sync: 'normal',
        busyTimeoutMs: 250,
        thread: false,
      });
    });

    it('runs the embedded store on its own thread with STORE_THREAD=true, and refuses anything but true or false', () => {
      expect(loadConfig({ STORE_THREAD: 'true' }).store).toMatchObject({ kind: 'sqlite', thread: true });
      expect(configErrorFor({ STORE_THREAD: 'yes' }).variable).toBe('STORE_THREAD');
    });

    it.each(['postgres://db:5432/tracking', 'postgresql://user@db/tracking'])('is PostgreSQL with DATABASE_URL=%s', (url) => {
      expect(loadConfig({ DATABASE_URL: url }).store).toEqual({ kind: 'postgres', url, schema: 'public' });
    });

    it('takes the PostgreSQL schema from DATABASE_SCHEMA, and refuses one that is not a plain identifier', () => {
      expect(loadConfig({ DATABASE_URL: 'postgres://db/t', DATABASE_SCHEMA: 'cluster_b' }).store).toMatchObject({ schema: 'cluster_b' });
      expect(configErrorFor({ DATABASE_URL: 'postgres://db/t', DATABASE_SCHEMA: 'x; DROP TABLE orders' }).variable).toBe('DATABASE_SCHEMA');
    });

    it('is MongoDB with MONGODB_URI', () => {
      expect(loadConfig({ MONGODB_URI: 'mongodb+srv://cluster.example/tracking' }).store).toEqual({
        kind: 'mongo',
        uri: 'mongodb+srv://cluster.example/tracking',
      });
    });

    it('keeps DATA_DIR for the node\'s own files (the JWT secret) with a networked store', () => {
      const config = loadConfig({ DATABASE_URL: 'postgres://db/tracking', DATA_DIR: '/srv/node-a' });
      expect(config.dataDir).toBe('/srv/node-a');
      expect(config.store).toEqual({ kind: 'postgres', url: 'postgres://db/tracking', schema: 'public' });
    });

    it('refuses DATABASE_URL and MONGODB_URI together, in one line naming both', () => {
      const error = configErrorFor({ DATABASE_URL: 'postgres://db/tracking', MONGODB_URI: 'mongodb://db/tracking' });
      expect(error.variable).toBe('DATABASE_URL');
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).toContain('MONGODB_URI');
      expect(error.message).not.toContain('\n');
    });

    it('treats an empty one as unset, so the other one alone is fine', () => {
      expect(loadConfig({ DATABASE_URL: '', MONGODB_URI: 'mongodb://db/tracking' }).store.kind).toBe('mongo');
      expect(loadConfig({ DATABASE_URL: 'postgres://db/tracking', MONGODB_URI: '' }).store.kind).toBe('postgres');
    });
  });

  describe('Web Push keys (VAPID_*)', () => {
    it('unset: the store keeps the pair; the subject is MAIL_FROM as a mailto: address', () => {
      expect(loadConfig({}).push).toEqual({ vapidKeys: null, subject: 'mailto:tracking@localhost' });
      expect(loadConfig({ MAIL_FROM: 'alerts@shop.example' }).push.subject).toBe('mailto:alerts@shop.example');
    });

    it('takes a pair and a subject, padding or not', () => {
      const keys = generateVapidKeys();
      const config = loadConfig({ VAPID_PUBLIC_KEY: `${keys.publicKey}=`, VAPID_PRIVATE_KEY: keys.privateKey, VAPID_SUBJECT: 'https://shop.example/contact' });
      expect(config.push).toEqual({ vapidKeys: keys, subject: 'https://shop.example/contact' });
    });

    it('refuses one key without the other, a key that is not P-256, a private key of another pair, and a bad subject', () => {
      const keys = generateVapidKeys();
      expect(configErrorFor({ VAPID_PUBLIC_KEY: keys.publicKey }).variable).toBe('VAPID_PRIVATE_KEY');
      expect(configErrorFor({ VAPID_PRIVATE_KEY: keys.privateKey }).variable).toBe('VAPID_PUBLIC_KEY');
      expect(configErrorFor({ VAPID_PUBLIC_KEY: 'not-a-key', VAPID_PRIVATE_KEY: keys.privateKey }).variable).toBe('VAPID_PUBLIC_KEY');
      expect(configErrorFor({ VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: 'c2hvcnQ' }).variable).toBe('VAPID_PRIVATE_KEY');
      const mismatch = configErrorFor({ VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: generateVapidKeys().privateKey });
      expect(mismatch.variable).toBe('VAPID_PRIVATE_KEY');
      expect(mismatch.message).toContain('VAPID_PUBLIC_KEY');
      for (const subject of ['tracking@shop.example', 'http://shop.example', 'mailto:nobody']) {
        expect(configErrorFor({ VAPID_SUBJECT: subject }).variable).toBe('VAPID_SUBJECT');
      }
    });
  });
});

describe('SECRETS_KEY', () => {
  it('is unset by default, and read as 32 bytes from hex or base64', () => {
    expect(loadConfig({}).secretsKey).toBeNull();
    const key = Buffer.alloc(32, 9);
    expect(loadConfig({ SECRETS_KEY: key.toString('hex') }).secretsKey).toEqual(key);
    expect(loadConfig({ SECRETS_KEY: key.toString('base64') }).secretsKey).toEqual(key);
  });

  it('stops start-up naming the variable when it is not 32 bytes', () => {
    const error = configErrorFor({ SECRETS_KEY: 'too-short' });
    expect(error.variable).toBe('SECRETS_KEY');
    expect(error.message).not.toContain('too-short');
  });
});

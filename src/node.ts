import path from 'node:path';
import type { Logger } from 'pino';
import { EventBus } from './actors/event-bus';
import { DeviceKeys } from './auth/device-keys';
import { SecretBox } from './auth/secret-box';
import { InactiveCouriers } from './auth/inactive-couriers';
import { RevocationList } from './auth/revocation-list';
import { TokenService } from './auth/token-service';
import type { Config } from './config';
import { DependencyDownError, DependencyState, type ConnectionWatch, type DependencyWatch } from './dependency-state';
import { MqttIntake, mqttClientId } from './devices/mqtt-intake';
import type { Presence } from './domain/presence';
import { trackingPageUrl } from './domain/tracking-link';
import { RedisFixGate } from './devices/fix-gate';
import { CredentialBroadcast } from './gateways/credential-broadcast';
import { ErasureBroadcast } from './gateways/erasure-broadcast';
import { Gateway } from './gateways/gateway';
import { createIo, type IoServer } from './gateways/io';
import { ClusterPresence } from './gateways/presence';
import { answerFeedPresence } from './gateways/feed-presence';
import { createRedis, type CommandCounter, type RedisClient, type RedisConnectionOptions } from './gateways/redis';
import { createApp } from './http/app';
import { ClientAddresses } from './http/client-address';
import { bracketed, HttpServer } from './http/http-server';
import { pages } from './http/pages';
import { RateLimit } from './http/rate-limit';
import { ThreadedBasemap } from './http/threaded-basemap';
import { Lifecycle } from './lifecycle';
import { Metrics } from './metrics';
import { AlertQueue } from './notifiers/alert-queue';
import { configuredChannels, type ChannelSettings } from './notifiers/configured-channels';
import { ContactCodeSender } from './notifiers/contact-code-sender';
import type { Channel, PushSender } from './notifiers/channel';
import { DestinationGuard, type Resolve } from './notifiers/destination-guard';
import { Notifier, type NotifierSettings } from './notifiers/notifier';
import { queueDepths } from './notifiers/queue-depths';
import { TemplateCatalog } from './notifiers/templates';
import { TenantChanges } from './notifiers/tenant-texts';
import { announcingDisables, WebhookEndpoints } from './notifiers/webhook-endpoints';
import { WebhookProcessor } from './notifiers/webhook-processor';
import { WebhookRelay } from './notifiers/webhook-relay';
import { HttpWebhookTransport, type WebhookTransport } from './notifiers/webhook-transport';
import { WebhookWorker } from './notifiers/webhook-worker';
import { generateAdminToken, loadOrCreateJwtSecret } from './secrets';
import { CourierRecordService } from './services/courier-record-service';
import { CourierService } from './services/courier-service';
import { CredentialService } from './services/credential-service';
import { CustomerSessionService } from './services/customer-session-service';
import { DeliveryLogService } from './services/delivery-log-service';
import { DeviceService } from './services/device-service';
import { missingLabelFonts } from './labels/label-fonts';
import { LabelService } from './services/label-service';
import { ImportService } from './services/import-service';
import { LoyaltyService } from './services/loyalty-service';
import { OrderService } from './services/order-service';
import { PaymentService } from './services/payment-service';
import { OutboxRelay } from './services/outbox-relay';
import { AttachmentService } from './services/attachment-service';
import { BrandingService } from './services/branding-service';
import { ContactService } from './services/contact-service';
import { PreferenceService } from './services/preference-service';
import { PrivacyService } from './services/privacy-service';
import { PushService } from './services/push-service';
import { PaymentProviderService } from './services/payment-provider-service';
import type { ProviderEventSink } from './payments/provider-event';
import type { ProviderVerifiers } from './http/deps';
import { RetentionSweep, type RetentionSweepOptions } from './services/retention-sweep';
import { ReportService } from './services/report-service';
import { SourceService } from './services/source-service';
import { TemplateService } from './services/template-service';
import { TenantService } from './services/tenant-service';
import { WebhookService } from './services/webhook-service';
import { clusterVapidKeys } from './services/vapid-keys';
import type { VapidKeys } from './domain/push';
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
  /**
   * Wraps each alert channel (email, SMS) before the alert workers use it: crash tests' entry points inject faults
   * here, never production. @default the channel itself
   */
  wrapChannel?: (channel: Channel) => Channel;
  /** Wraps the Web Push channel as `wrapChannel` does the others (crash tests only). @default the channel itself */
  wrapPush?: (push: PushSender) => PushSender;
  /** Where verified payment provider events go. @default a sink that keeps nothing */
  providerEvents?: ProviderEventSink;
  /** Each payment provider's verifier (tests check the route with their own). @default VERIFIERS */
  verifiers?: ProviderVerifiers;
  /**
   * Certificate authorities push services' certificates are checked against beside the system's: a test's own push
   * service in this process (a spawned one takes `NODE_EXTRA_CA_CERTS`). @default none
   */
  pushCa?: string;
  /**
   * The clock confirmation and sign-in codes are issued and checked by (tests turn it past a code's expiry).
   * @default the system clock
   */
  contactClock?: () => Date;
  /** The clock courier invites are issued and spent by, and the courier's own list counts back from. @default the system clock */
  courierClock?: () => Date;
  /** The clock attachment links are signed and checked by (tests turn it past a link's hour). @default the system clock */
  attachmentClock?: () => Date;
}

/** The node's Redis connections, each with one job. */
export type RedisConnection = 'publisher' | 'queue' | 'adapter-subscriber' | 'feed-subscriber' | 'worker';

/** A running node: its address, its ordered shutdown, and the few parts tests observe or drive. */
export interface Node {
  /** Null in a worker-only process, which serves no HTTP. */
  url: string | null;
  port: number | null;
  /** Base of the links this node hands out (tracking links, the dashboard). */
  publicUrl: string;
  adminToken: string;
  adminTokenGenerated: boolean;
  /** Whether this node reaches Redis now (the demo says what runs without it). */
  redis: Pick<DependencyWatch, 'up'>;
  /** What tests observe and drive; the node itself goes through none of it. */
  parts: NodeParts;
  /** Stops accepting, finishes in-flight work, flushes and closes the store and Redis. */
  stop(): Promise<void>;
}

/**
 * The parts of a running node that tests observe or drive, each narrowed to what they use. Null: the node's role
 * does not build the part (a worker-only process serves no HTTP, an API-only one runs no alert workers).
 */
export interface NodeParts {
  /** The store, read and written behind the API's back (or closed under the running node). */
  store: Store;
  /** The node's in-process events, to put one in as if a part had emitted it. */
  bus: Pick<EventBus, 'emit'>;
  /** The Socket.IO server: this node's sockets and rooms. */
  io: IoServer;
  /** Whether an event reached a customer-side watcher on any node (what alerts ask). */
  presence: Presence;
  /** The order actors this node holds in memory. */
  orders: Pick<OrderService, 'actors'> | null;
  /** Where verified payment provider events go (what `POST /v1/payment-providers/:id/events` hands them to). */
  payments: Pick<PaymentService, 'applyProviderEvents'> | null;
  /** Stores the courier positions this node holds now rather than at the next flush. */
  couriers: Pick<CourierService, 'flush'> | null;
  /** Takes devices' positions (what the MQTT intake hands its messages to). */
  devices: Pick<DeviceService, 'ingest'> | null;
  /** Requests for sign-in codes: `idle()` resolves once those taken were looked up and sent (or not). */
  customerSessions: Pick<CustomerSessionService, 'idle'> | null;
  /** The alert workers: `processed` and `held` events, and the templates they render. */
  notifier: Pick<Notifier, 'events' | 'templates'> | null;
  /** The queue alerts wait in (a held alert is a delayed job there). */
  alertQueue: AlertQueue['queue'];
  /** Alerts this node decided as it applied their events, without a job: `processed` events, as the notifier's. */
  alertsAtOnce: AlertQueue['events'];
  /** Sweeps one kind of owed effect now instead of at its next period. */
  outbox: Pick<OutboxRelay, 'sweep'>;
  /** Runs the retention sweep now. */
  retention: Pick<RetentionSweep, 'sweep'>;
  /** The offline basemap: its thread (to stop it as a crash would) and the tiles it is cutting. */
  basemap: Pick<ThreadedBasemap, 'thread' | 'cutting'> | null;
}

/** The repository root: the built pages are in `dist/web` below it. */
const ROOT = path.resolve(__dirname, '..');

// A shutdown step that takes longer is given up on (logged), so the rest still run within SHUTDOWN_TIMEOUT_MS.
const STOP_STEP_TIMEOUT_MS = 3000;

// Start-up waits this long for Redis before serving anyway: HTTP works without it, and pushes start when it comes.
const REDIS_STARTUP_WAIT_MS = 3000;

/** What a node does while Redis is out of reach, and what waits for it (said once per outage, and by the demo). */
export const WITHOUT_REDIS = 'this node serves its pages, API and live updates from the store; alerts, webhooks and other nodes wait for it';

/** What a node does while the MQTT broker is out of reach (said once per outage, and as `/readyz`'s warning). */
export const WITHOUT_MQTT = 'this node serves HTTP as before; positions from MQTT trackers are taken again once it is back';

/**
 * Builds and starts a node as a lifecycle list: store → Redis → outbox relay and its kinds, services → HTTP +
 * sockets (+ the MQTT intake) → listen → alert and webhook workers. Each part registers its stop as it is built, and `stop()` runs them in
 * reverse (see {@link Lifecycle}), taking no new connections first. `config.role` decides which parts are built: a
 * `worker` builds no HTTP side, an `api` no alert or webhook workers. A failing step fails with one line of context,
 * after stopping what was built before it.
 */
export async function startNode(deps: NodeDeps): Promise<Node> {
  const { config, logger, store, metrics = new Metrics() } = deps;
  const lifecycle = new Lifecycle({ logger, stepTimeoutMs: STOP_STEP_TIMEOUT_MS });
  const part = lifecycle.part.bind(lifecycle);
  await part('store', () => store.lifecycle.init(), () => store.lifecycle.close());
  const secrets = await part('jwt secret', () => nodeSecrets(config));
  const secretBox = config.secretsKey ? SecretBox.withKey(config.secretsKey) : SecretBox.plain();
  if (!config.secretsKey) logger.warn('SECRETS_KEY is not set: webhook and source secrets and payment provider credentials are stored unencrypted');
  // Before anything serves or pushes: the HTTP side hands out the public key, the workers sign with the pair.
  const vapid = await part('vapid keys', () => clusterVapidKeys(config.push.vapidKeys, store));
  // One state for all the node's Redis connections: an outage is two lines in the log, however long it lasts.
  const redisState = new DependencyState({
    dependency: 'redis',
    logger,
    meanwhile: WITHOUT_REDIS,
    upGauge: metrics.dependencyUp,
    heldCounter: metrics.dependencyHeld,
    outageCounter: metrics.dependencyOutages,
  });
  const redis = await part('redis', () => connectRedis(config, deps.redisUrlFor, redisState, metrics.redisCommands), closeRedis);
  const bus = new EventBus((error, event) => logger.error({ err: error, event }, 'event listener failed'));
  bus.on('applied', () => metrics.eventsApplied.inc());
  const relay = new OutboxRelay({ outbox: store.outbox, logger, errors: metrics.outboxRelayErrors });
  // Every role relays what its changes owe, and sweeps for what any node left. Built before the services and stopped
  // after them: what actors apply while they drain is still relayed at once.
  const queues = { relay, bus, connection: redis.queue, redis: redisState, prefix: config.redisPrefix, logger };
  const alerts = await part(
    'alert queue',
    () =>
      new AlertQueue({
        ...queues,
        backoffMs: config.notify.backoffMs,
        batchMs: config.notify.batchMs,
        batchSize: config.notify.batchSize,
        deliveries: store.deliveries,
        counted: metrics.alerts,
      }),
    (queue) => queue.close(),
  );
  // Built here, before the webhook relay (every role), whose messages carry delivered orders' proofs. Links are signed
  // with a key derived from the token secret, so any node of the cluster serves any link.
  const attachments = new AttachmentService({ store, secret: secrets.jwtSecret, linkBase: config.publicUrl, now: deps.attachmentClock });
  // Each tenant's endpoints kept here, forgotten on every node when they change (connected to the cluster below).
  const endpoints = new WebhookEndpoints({ directory: store.webhooks, logger });
  const webhooks = await part('webhook relay', () => new WebhookRelay({ store, proofs: attachments, endpoints, ...queues }), (relayed) => relayed.close());
  const depths = queueDepths({ queues: [alerts.queue, webhooks.queue], jobs: metrics.queueJobs, oldestWaitingAge: metrics.queueOldestAge, redis: redisState });
  await part('queue metrics', () => metrics.atScrape(depths), (stopReading) => stopReading());
  const service = stoppable(lifecycle);
  const loyalty = await service('loyalty', () => new LoyaltyService({ store, bus, relay, idleMs: config.actorIdleMs }));
  const privacy = new PrivacyService({ store, bus });
  // Every role sweeps: a batch takes only orders not erased yet, so sweepers on several nodes share the work.
  const retention = await service('retention sweep', () =>
    new RetentionSweep({ store, bus, intervalMs: config.retentionSweepMs, ...deps.retention, onError: (error) => logger.warn({ err: error }, 'retention sweep failed') }),
  );
  const revocations = new CredentialLists(store);
  const tokens = new TokenService({
    store,
    adminToken: secrets.adminToken,
    jwtSecret: secrets.jwtSecret,
    revocations: revocations.revocations,
    inactiveCouriers: revocations.inactiveCouriers,
  });
  const rateLimit = new RateLimit({ redis: redis.publisher, prefix: config.redisPrefix, ...config.rateLimit, refused: metrics.rateLimited });
  const destinations = new DestinationGuard({ allowPrivate: config.webhooks.allowPrivate, resolve: deps.resolve });
  const context = { store, bus, logger, metrics, redis, redisState };
  const api = redis.feedSubscriber
    ? await startApi(lifecycle, context, config, { loyalty, privacy, tokens, revocations, rateLimit, webhooks, endpoints, destinations, vapid, codeSecret: secrets.jwtSecret, contactClock: deps.contactClock, courierClock: deps.courierClock, attachments, secretBox, providerEvents: deps.providerEvents, verifiers: deps.verifiers }, redis.feedSubscriber)
    : null;
  // A worker-only node serves no sockets, but its Socket.IO server still takes part in the cluster (presence); it has
  // no engine, only its adapter (Redis subscriptions) to close.
  const io = api?.io ?? (await part('sockets', () => clusterIo(config, redis), (server) => server.of('/').adapter.close()));
  await part('webhook endpoints broadcast', () => endpoints.connect(io, redis.adapterSubscriber), () => endpoints.close());
  const tenantChanges = new TenantChanges({ logger });
  await part('tenant changes broadcast', () => tenantChanges.connect(io, redis.adapterSubscriber), () => tenantChanges.close());
  // A node serving no HTTP still answers credential changes (the node announcing one waits for every node's answer).
  if (!api) await part('credential broadcast', () => startCredentialBroadcast(io, context, tokens, revocations), (built) => built.close());
  const drop = api ? (orderIds: readonly string[]) => api.orders.forget(orderIds) : undefined;
  await part('erasure broadcast', () => new ErasureBroadcast({ io, bus, drop, logger }), (broadcast) => broadcast.close());
  const presence = new ClusterPresence({
    io,
    local: api ? (orderId, seq, waitMs) => api.gateway.handedToWatcher(orderId, seq, waitMs) : undefined,
    localArriving: api ? (update) => api.gateway.handArriving(update) : undefined,
  });
  // An applied event's alert is decided on this node when a socket was handed it: this node's own sockets answer
  // first (no Redis), then the others'.
  alerts.answerFrom(async (order, seq) => (api ? await api.gateway.handedToWatcher(order.id, seq, 0) : false) || presence.handedToWatcher(order, seq));
  const address = api ? await part('listen', () => api.http.listen(config.port, config.host)) : null;
  // PUBLIC_URL, or this node's own address (a worker-only process: the configured host and port).
  const publicUrl = config.publicUrl ?? address?.url ?? `http://${bracketed(config.host)}:${config.port}`;
  const workers = redis.worker
    ? await startWorkers(lifecycle, context, config, { presence, tokens, publicUrl, destinations, vapid, deps, secretBox, endpoints }, redis.worker)
    : null;
  // Registered last so that it runs first: a stopping node takes no new connections while the rest finishes.
  if (api) lifecycle.add('stop accepting', () => api.http.stopAccepting());
  return {
    url: address?.url ?? null,
    port: address?.port ?? null,
    publicUrl,
    adminToken: secrets.adminToken,
    adminTokenGenerated: secrets.adminTokenGenerated,
    redis: redisState,
    parts: {
      store,
      bus,
      io,
      presence,
      orders: api?.orders ?? null,
      payments: api?.payments ?? null,
      couriers: api?.couriers ?? null,
      devices: api?.devices ?? null,
      customerSessions: api?.customerSessions ?? null,
      notifier: workers?.notifier ?? null,
      alertQueue: alerts.queue,
      alertsAtOnce: alerts.events,
      outbox: relay,
      retention,
      basemap: api?.basemap ?? null,
    },
    stop: () => lifecycle.stop(),
  };
}

/** What most parts are built with. */
interface NodeContext {
  store: Store;
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  redis: RedisConnections;
  /** Redis's state, as the node's connections report it. */
  redisState: DependencyWatch;
}

/** Builds a part that stops itself (`stop()`: it drains and ends its timers) and registers that stop. */
function stoppable(lifecycle: Lifecycle) {
  return <T extends { stop(): unknown }>(name: string, build: () => T | Promise<T>): Promise<T> =>
    lifecycle.part(name, build, (built) => built.stop());
}

/** The admin token (generated when none is set) and the key tokens are signed with. */
async function nodeSecrets(config: Pick<Config, 'adminToken' | 'jwtSecret' | 'dataDir'>) {
  return {
    adminToken: config.adminToken ?? generateAdminToken(),
    adminTokenGenerated: config.adminToken === undefined,
    jwtSecret: config.jwtSecret ?? (await loadOrCreateJwtSecret(config.dataDir)),
  };
}

interface RedisConnections {
  publisher: RedisClient;
  /** The BullMQ queues' (producers'): outbox work is queued through it. */
  queue: RedisClient;
  adapterSubscriber: RedisClient;
  /** Null in a worker-only process (no sockets to feed). */
  feedSubscriber: RedisClient | null;
  /** Null in an API-only process (no workers). */
  worker: RedisClient | null;
}

/** The connections the role needs, once they are ready or the start-up wait is over. */
async function connectRedis(
  config: Pick<Config, 'role' | 'redisUrl' | 'redisCluster'>,
  urlFor: NodeDeps['redisUrlFor'] = () => config.redisUrl,
  watch: ConnectionWatch,
  commands: CommandCounter,
): Promise<RedisConnections> {
  // Publishing and queuing fail fast while Redis is down, so local delivery never waits on it (what could not be
  // queued stays in the outbox for its sweep); subscribers and workers queue their commands until the connection is
  // back. The queues have a connection of their own: auto-pipelining would copy BullMQ's scripts into every pipeline.
  const connect = (name: RedisConnection, options: RedisConnectionOptions) =>
    createRedis(config.redisCluster ? { cluster: config.redisCluster } : { url: urlFor(name) }, name, watch, { ...options, commands });
  const connections: RedisConnections = {
    publisher: connect('publisher', { enableOfflineQueue: false, enableAutoPipelining: true }),
    queue: connect('queue', { enableOfflineQueue: false }),
    adapterSubscriber: connect('adapter-subscriber', { maxRetriesPerRequest: null, sharded: true }),
    feedSubscriber: config.role !== 'worker' ? connect('feed-subscriber', { maxRetriesPerRequest: null, sharded: true }) : null,
    worker: config.role !== 'api' ? connect('worker', { maxRetriesPerRequest: null }) : null,
  };
  const named: Array<[RedisConnection, RedisClient | null]> = [
    ['publisher', connections.publisher],
    ['queue', connections.queue],
    ['adapter-subscriber', connections.adapterSubscriber],
    ['feed-subscriber', connections.feedSubscriber],
    ['worker', connections.worker],
  ];
  await waitForRedis(
    named.filter((entry): entry is [RedisConnection, RedisClient] => entry[1] !== null),
    watch,
  );
  return connections;
}

/** The Socket.IO server of a node that serves no sockets: its adapter only. */
function clusterIo(config: Pick<Config, 'redisPrefix'>, redis: RedisConnections): IoServer {
  const io = createIo({ publisher: redis.publisher, subscriber: redis.adapterSubscriber, prefix: config.redisPrefix });
  answerFeedPresence(io);
  return io;
}

/** The settings the HTTP side uses. */
type ApiSettings = Pick<
  Config,
  | 'actorIdleMs'
  | 'maxActors'
  | 'redisPrefix'
  | 'liveHeartbeat'
  | 'liveCheckMs'
  | 'livePositionMs'
  | 'map'
  | 'staleAfterHours'
  | 'http'
  | 'metricsToken'
  | 'basemapCacheBytes'
  | 'publicUrl'
  | 'mqtt'
  | 'host'
  | 'port'
  | 'webhooks'
> &
  ChannelSettings;

/** The parts the HTTP side is built on, built before it. */
interface ApiInputs {
  loyalty: LoyaltyService;
  privacy: PrivacyService;
  tokens: TokenService;
  /** The revoked subjects and inactive couriers `tokens` asks, kept current by the node's credential broadcast. */
  revocations: CredentialLists;
  rateLimit: RateLimit;
  webhooks: WebhookRelay;
  /** The tenants' webhook endpoints the relay keeps: the webhook routes announce their changes through it. */
  endpoints: WebhookEndpoints;
  destinations: DestinationGuard;
  /** The cluster's VAPID key pair: its public key is what browsers subscribe with. */
  vapid: VapidKeys;
  /** Keys the hashes of confirmation and sign-in codes (the node's token secret; each service derives its own key from it). */
  codeSecret: string;
  contactClock?: () => Date;
  courierClock?: () => Date;
  /** Proof-of-delivery pictures and their signed links (also used by the webhook relay). */
  attachments: AttachmentService;
  /** Seals and opens the secrets the store keeps (`SECRETS_KEY`). */
  secretBox: SecretBox;
  providerEvents?: ProviderEventSink;
  verifiers?: ProviderVerifiers;
}

/**
 * The HTTP side: the services routes call, the Koa app on its server (not listening yet), the Socket.IO server on it
 * and the gateway pushing to its sockets, and with `MQTT_URL` the intake of the cluster's shared subscription (each
 * node serving HTTP takes a share of the devices' messages). Stops, in reverse: the MQTT intake disconnects, the
 * sockets close, the server waits for the requests in flight, then the order actors and the couriers drain.
 */
async function startApi(lifecycle: Lifecycle, context: NodeContext, config: ApiSettings, inputs: ApiInputs, feedSubscriber: RedisClient) {
  const { store, bus, logger, metrics, redis, redisState } = context;
  const { loyalty, privacy, tokens, revocations, rateLimit, webhooks, destinations, attachments } = inputs;
  const service = stoppable(lifecycle);
  // Confirmation codes go out from the node that was asked, through channels of its own (the alert workers may run elsewhere).
  const codeSender = await lifecycle.part('code channels', () => new ContactCodeSender(configuredChannels(config)), (built) => built.close());
  // Stopped after the HTTP side (no request adds to it then) and before the channels its sends go through.
  // Messages this node renders itself (sign-in codes, previews), as the alert workers (which may run elsewhere) do.
  const catalog = new TemplateCatalog({ store, publicUrl: config.publicUrl ?? '', logger, onTemplateFailure: (part) => metrics.templateFailures.inc({ part }) });
  const customerSessions = await service('customer sessions', () =>
    new CustomerSessionService({
      store,
      sender: codeSender,
      render: (request) => catalog.render(request),
      tokens,
      secret: inputs.codeSecret,
      logger,
      counted: metrics.signInCodes,
      now: inputs.contactClock,
    }),
  );
  const couriers = await service('couriers', () =>
    new CourierService({
      store,
      bus,
      idleMs: config.actorIdleMs,
      onFlushError: (error) => logger.warn({ err: error }, 'courier positions not stored; retrying'),
      onClaimError: (error) => logger.warn({ err: error }, 'arriving claim not made; asked again with the next position'),
      counted: metrics.positionsTaken,
    }),
  );
  const orders = await service('order actors', () =>
    new OrderService({
      store,
      bus,
      proofs: attachments,
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
      // Loyalty is booked inside the order's message; what fails is left owed, for the relay's sweep.
      afterApplied: (order, event) => loyalty.onApplied(order, event),
      afterPayment: (order, previous) => loyalty.onPayment(order, previous),
      // A tenant without an endpoint for a change's messages is owed no outbox row for them (see WebhookEndpoints.owes).
      owesWebhooks: (tenantId, kind) => inputs.endpoints.owes(tenantId, kind),
    }),
  );
  const payments = new PaymentService({ store, orders: orders.actors });
  const sources = await service('sources', () =>
    new SourceService({
      store,
      orders: orders.actors,
      onError: (error) => logger.warn({ err: error }, 'source message record not released or pruned'),
      secrets: inputs.secretBox,
    }),
  );
  // Built before the HTTP side, whose readiness reports the broker's outages as a warning (HTTP serves regardless).
  const mqttState = config.mqtt
    ? new DependencyState({
        dependency: 'mqtt',
        logger,
        meanwhile: WITHOUT_MQTT,
        upGauge: metrics.dependencyUp,
        heldCounter: metrics.dependencyHeld,
        outageCounter: metrics.dependencyOutages,
      })
    : null;
  const clients = new ClientAddresses(config.http.trustProxy);
  const admitAnonymous = async (address: string) => (await rateLimit.consume({ role: 'anonymous', address }))?.allowed ?? true;
  // Its thread starts with the first tile asked for. Built before the HTTP side and stopped after it, so the tiles
  // of requests still in flight at shutdown are answered.
  const basemap = await lifecycle.part(
    'basemap',
    () =>
      new ThreadedBasemap({
        cacheBytes: config.basemapCacheBytes,
        observe: metrics.observeBasemap,
        onThreadExit: (error) => logger.warn({ err: error }, 'basemap thread stopped; the next tile starts a new one'),
      }),
    (built) => built.close(),
  );
  const { http, io, devices } = await lifecycle.part(
    'http',
    async () => {
      const { redisPrefix: prefix, liveHeartbeat: heartbeat } = config;
      // Made before the app, whose credential routes announce through it; attached to the server once the app is on it.
      const io = createIo({ publisher: redis.publisher, subscriber: redis.adapterSubscriber, prefix, heartbeat });
      const broadcast = await startCredentialBroadcast(io, context, tokens, revocations);
      const credentials = new CredentialService({ store, announce: (change) => broadcast.announce(change) });
      const devices = new DeviceService({
        store,
        couriers,
        keys: revocations.deviceKeys,
        credentials,
        inactiveCouriers: revocations.inactiveCouriers,
        gate: new RedisFixGate({ redis: redis.publisher, prefix: config.redisPrefix }),
      });
      const tenants = new TenantService({ store });
      const branding = new BrandingService({ store, tenantIdBySlug: (slug) => tenants.tenantIdBySlug(slug), linkBase: config.publicUrl });
      const missingFonts = missingLabelFonts();
      if (missingFonts.length > 0) {
        logger.warn({ missing: missingFonts }, 'label fonts not installed: Chinese and Arabic text on labels prints as ? (run npm install)');
      }
      const app = createApp({
        orders,
        couriers,
        courierRecords: new CourierRecordService({ store, credentials, tokens, inactiveCouriers: revocations.inactiveCouriers, now: inputs.courierClock }),
        devices,
        publicUrl: config.publicUrl,
        attachments,
        loyalty,
        tenants,
        branding,
        templates: new TemplateService({
          store,
          render: (request) => catalog.render(request),
          trackingUrl: (order, base) => trackingPageUrl(base, order.id, tokens.mintTracking(order.tenant_id, order.id, order.tracking_generation)),
        }),
        tokens,
        credentials,
        preferences: new PreferenceService({ store }),
        contacts: new ContactService({ store, sender: codeSender, secret: inputs.codeSecret, now: inputs.contactClock }),
        customerSessions,
        privacy,
        push: new PushService({
          store,
          orders,
          publicKey: inputs.vapid.publicKey,
          checkDestination: (url) => destinations.refusal(url),
          allowHttp: config.webhooks.allowPrivate,
        }),
        deliveries: new DeliveryLogService({ store }),
        reports: new ReportService({ store }),
        payments,
        webhooks: new WebhookService({
          store,
          queue: webhooks,
          checkDestination: (url) => destinations.refusal(url),
          secrets: inputs.secretBox,
          announce: (tenantId) => inputs.endpoints.changed(tenantId),
        }),
        sources,
        paymentProviders: new PaymentProviderService({ store, secrets: inputs.secretBox }),
        // Verified provider events go to the orders they name, through their actors (a test may record them instead).
        providerEvents: inputs.providerEvents ?? payments,
        verifiers: inputs.verifiers,
        imports: new ImportService({ orders }),
        labels: new LabelService({ store }),
        rateLimit,
        metrics,
        clients,
        metricsToken: config.metricsToken,
        logger,
        readiness: async () => {
          await store.lifecycle.ping();
          await redis.publisher.ping().catch((error: unknown) => {
            // An outage the log has told of already: probes during it need not repeat it.
            throw redisState.up ? error : new DependencyDownError('redis', { cause: error });
          });
          return mqttState && !mqttState.up ? [{ dependency: 'mqtt', message: `the MQTT broker is not reachable: ${WITHOUT_MQTT}` }] : [];
        },
        pages: pages({
          dir: path.join(ROOT, 'dist/web'),
          basemap,
          admitTile: (ctx) => rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip }),
          map: config.map,
          staleAfterHours: config.staleAfterHours,
          portalBranding: (slug) => branding.bySlug(slug).catch(() => null),
          logger,
        }),
      });
      // The Koa handler must be on the server before Socket.IO attaches: Socket.IO hands every other path to the
      // request handlers present at that moment, and answers its own (`/socket.io/`) itself.
      const server = new HttpServer(app.callback(), { requestTimeoutMs: config.http.requestTimeoutMs, maxConnections: config.http.maxConnections });
      io.attach(server.server);
      return { http: server, io, broadcast, devices };
    },
    // Registered before the gateway, so it runs after the sockets are closed (they hold connections open).
    async (built) => {
      built.broadcast.close();
      await built.http.finished();
    },
  );
  const gateway = await lifecycle.part(
    'sockets',
    () =>
      new Gateway({
        io,
        tokens,
        orders,
        proofs: attachments,
        tenants: new TenantService({ store }),
        store,
        bus,
        publisher: redis.publisher,
        redis: redisState,
        unpublished: metrics.liveUpdatesUnpublished,
        feedSubscriber,
        prefix: config.redisPrefix,
        logger,
        liveCheckMs: config.liveCheckMs,
        livePositionMs: config.livePositionMs,
        adapterSubscriber: redis.adapterSubscriber,
        pushed: metrics.eventsPushed,
        admitAnonymous: (request) => admitAnonymous(clients.of(request)),
      }),
    (built) => built.close(),
  );
  await lifecycle.part(
    'socket metrics',
    () =>
      metrics.atScrape(() => {
        metrics.socketsConnected.set(io.of('/').sockets.size);
        metrics.socketSubscriptions.set(gateway.streamedOrders);
      }),
    (stopReading) => stopReading(),
  );
  // Registered after the sockets, so it stops first: no position is taken once the couriers' side starts draining.
  if (config.mqtt && mqttState) {
    const { url, topics } = config.mqtt;
    await lifecycle.part(
      'mqtt',
      async () => {
        const intake = new MqttIntake({
          url,
          topics,
          group: config.redisPrefix,
          clientId: mqttClientId({ group: config.redisPrefix, host: config.host, port: config.port }),
          devices,
          watch: mqttState,
          logger,
          counted: metrics.mqttMessages,
          connected: metrics.mqttConnected,
        });
        await intake.start();
        return intake;
      },
      (intake) => intake.close(),
    );
  }
  return { orders, payments, couriers, devices, http, io, gateway, basemap, customerSessions };
}

/** What the node's token service asks of every token, and its devices' keys, kept current by its credential broadcast. */
class CredentialLists {
  readonly revocations = new RevocationList();
  readonly inactiveCouriers = new InactiveCouriers();
  readonly deviceKeys: DeviceKeys;

  constructor(store: Store) {
    this.deviceKeys = new DeviceKeys({ store });
  }
}

/**
 * The node's part in credential changes (see {@link CredentialBroadcast}): the revocations read in before the node
 * serves, then kept current.
 */
async function startCredentialBroadcast(io: IoServer, context: NodeContext, tokens: TokenService, lists: CredentialLists) {
  const { store, logger, redis } = context;
  const { revocations, inactiveCouriers, deviceKeys } = lists;
  const broadcast = new CredentialBroadcast({ io, revocations, inactiveCouriers, deviceKeys, tokens, store, subscriber: redis.adapterSubscriber, logger });
  await broadcast.start();
  return broadcast;
}

/** What the workers are built with, beside the node's context. */
interface WorkerInputs {
  presence: Presence;
  tokens: TokenService;
  /** Base of the tracking links in alerts. */
  publicUrl: string;
  destinations: DestinationGuard;
  /** The cluster's VAPID key pair, which pushes are signed with. */
  vapid: VapidKeys;
  /** Opens the webhook endpoints' secrets (`SECRETS_KEY`). */
  secretBox: SecretBox;
  /** The tenants' webhook endpoints every node keeps: an endpoint disabled by a 410 is announced through it. */
  endpoints: WebhookEndpoints;
  deps: Pick<NodeDeps, 'alertClock' | 'wrapChannel' | 'wrapPush' | 'pushCa' | 'webhookTransport'>;
}

/**
 * The alert workers (they take queued alerts and reach the customer) and the webhook workers (they take queued
 * messages and post them, each endpoint within its slots). The webhook workers stop before their transport, whose
 * idle connections they then close.
 */
async function startWorkers(
  lifecycle: Lifecycle,
  context: NodeContext,
  config: NotifierSettings & Pick<Config, 'webhooks' | 'push'>,
  inputs: WorkerInputs,
  workerConnection: RedisClient,
) {
  const { store, bus, logger, metrics } = context;
  const { presence, tokens, publicUrl, destinations, vapid, deps } = inputs;
  const notifier = await lifecycle.part(
    'notifier',
    () =>
      new Notifier({
        settings: config,
        store,
        presence,
        workerConnection,
        trackingToken: (order) => tokens.mintTracking(order.tenant_id, order.id, order.tracking_generation),
        publicUrl,
        logger,
        bus,
        now: deps.alertClock,
        wrapChannel: deps.wrapChannel,
        onTemplateFailure: (part) => metrics.templateFailures.inc({ part }),
        push: { vapid: { ...vapid, subject: config.push.subject }, guard: destinations, ca: deps.pushCa },
        wrapPush: deps.wrapPush,
        counted: metrics.alerts,
      }),
    (built) => built.close(),
  );
  const settings = config.webhooks;
  await lifecycle.part(
    'webhook workers',
    () => {
      const transport = deps.webhookTransport ?? new HttpWebhookTransport({ guard: destinations });
      const processor = new WebhookProcessor({
        store: { webhookLog: store.webhookLog, webhooks: announcingDisables(store.webhooks, inputs.endpoints) },
        transport,
        logger,
        maxAttempts: settings.attempts,
        backoffMs: settings.backoffMs,
        timeoutMs: settings.timeoutMs,
        secrets: inputs.secretBox,
      });
      const worker = new WebhookWorker({
        processor,
        connection: workerConnection,
        prefix: config.redisPrefix,
        logger,
        concurrency: settings.concurrency,
        perEndpoint: settings.endpointConcurrency,
        perTenant: settings.tenantConcurrency,
        lockMs: settings.lockMs,
        attempts: metrics.webhookAttempts,
      });
      return { worker, transport };
    },
    async ({ worker, transport }) => {
      await worker.close();
      transport.close?.();
    },
  );
  return { notifier };
}

/** Every connection of the node. */
function clientsOf(connections: RedisConnections): RedisClient[] {
  return Object.values(connections).filter((client): client is RedisClient => client !== null);
}

function closeRedis(connections: RedisConnections): Promise<unknown> {
  return Promise.all(
    clientsOf(connections).map((client) =>
      client.status === 'ready' ? client.quit().catch(() => client.disconnect()) : Promise.resolve(client.disconnect()),
    ),
  );
}

/** Waits for every connection to be ready, or the start-up wait to pass: those still not ready count as lost then. */
async function waitForRedis(named: Array<[RedisConnection, RedisClient]>, watch: ConnectionWatch): Promise<void> {
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, REDIS_STARTUP_WAIT_MS, 'timeout').unref());
  // Not events.once: it rejects on the first 'error', and a connection error here only means "not yet".
  const ready = Promise.all(
    named.map(([, client]) => (client.status === 'ready' ? undefined : new Promise<void>((resolve) => client.once('ready', () => resolve())))),
  );
  if ((await Promise.race([ready, timeout])) !== 'timeout') return;
  // A server that takes the connection but never answers raises no error: say it here, once (lost is idempotent).
  for (const [name, client] of named) {
    if (client.status !== 'ready') watch.lost(name, new DependencyDownError('redis'));
  }
}

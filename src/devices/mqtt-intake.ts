import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { connect, ErrorWithSubackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { ConnectionWatch } from '../dependency-state';
import { DeviceFormatError, FixesBeingRecordedError, owntracksFix, trkFix, type DeviceFix } from '../domain/device-fix';
import type { DeviceService } from '../services/device-service';
import { deviceKeyOf, sharedFilter } from './mqtt-topics';

/** What became of one message from the broker (`mqtt_messages_total{outcome}`). */
export type MqttOutcome = 'taken' | 'unknown_key' | 'invalid' | 'ignored' | 'failed';

export interface MqttIntakeOptions {
  /** `MQTT_URL` (credentials, when the broker wants them, in its user info). */
  url: string;
  /** `MQTT_TOPICS`: the topic filters, each subscribed to as a shared subscription of `group`. */
  topics: readonly string[];
  /** The cluster's shared-subscription group (its `REDIS_PREFIX`): each message goes to one node of the group. */
  group: string;
  /**
   * The node's MQTT client id, which names its session at the broker: a node started again under the same id within
   * the session's expiry gets what the broker kept for it meanwhile (see {@link mqttClientId}).
   */
  clientId: string;
  /** Takes a device's positions by its key. */
  devices: Pick<DeviceService, 'ingest'>;
  /** The broker's state as the node sees it: lost and regained, said once each way (see DependencyState). */
  watch: ConnectionWatch;
  logger: Logger;
  /** `mqtt_messages_total{outcome}`. */
  counted: { inc(labels: { outcome: MqttOutcome }): void };
  /** `mqtt_connected`: 1 while connected with the subscriptions in place. */
  connected: { set(value: number): void };
  /**
   * How long the broker keeps the node's session (its subscriptions and the messages routed to it) once it is gone.
   * Long enough to cover a restart; short, because a node that never comes back still has its turn of the shared
   * subscription until its session expires, and the positions queued there are lost with it.
   * @default 60
   */
  sessionExpirySeconds?: number;
  /**
   * The first reconnect delay, doubled after each failed attempt up to `reconnectMaxMs`, each within ±20% so the
   * nodes of a cluster do not all come back at the same moment after the broker restarts. @default 1000
   */
  reconnectFirstMs?: number;
  /** Bounds the delay: a broker back after a long outage is found within about this long. @default 10000 */
  reconnectMaxMs?: number;
  /** How long `start()` waits for the first connection before it lets the node serve without one. @default 3000 */
  startupWaitMs?: number;
}

/** A message's payload bigger than this is no position (an OwnTracks location is a few hundred bytes). */
const MAX_PAYLOAD_BYTES = 64 * 1024;

/**
 * QoS 1 messages the broker may send before the node acknowledges them. Messages are handed on one at a time (see
 * {@link MqttIntake}); the rest wait at the broker, so a node never holds more than this in memory.
 */
const RECEIVE_MAXIMUM = 100;

// A TCP connection the broker accepts but never answers is given up on after this long, and tried again.
const CONNECT_TIMEOUT_MS = 10_000;

// How long a stop waits for the broker to see the DISCONNECT before it drops the connection.
const DISCONNECT_WAIT_MS = 1000;

/**
 * The node's MQTT client: subscribes to the device topics as the cluster's shared subscription (MQTT 5), so each
 * message is taken by one node, and hands each position to the device service under the key its topic names
 * (OwnTracks' JSON, or the product's own `{ lat, lng, at?, speed?, heading? }`).
 *
 * Delivery: QoS 1 in a session that outlives the connection (clean start off, an expiry interval). A message is
 * acknowledged only once the device service has it, one at a time, so a node that dies with a message in hand gets
 * it again when it comes back within the session's expiry; positions are deduplicated by time further on. A message
 * that is not valid JSON, not a position of its format, or from an unknown key is acknowledged and dropped, counted by
 * outcome; neither its payload nor its key is logged.
 *
 * The connection is retried with a delay doubled after each failure (bounded); losing and regaining the broker go
 * through the node's {@link ConnectionWatch}, two lines in the log however long the outage.
 */
export class MqttIntake {
  private client: MqttClient | null = null;
  private stopping = false;
  private lastError: unknown = null;
  /** The message being handed on (one at a time): a stop waits for it. */
  private inHand: Promise<void> = Promise.resolve();
  /** Set while failures to hand positions on are not logged (one line until one is handed on again). */
  private failing = false;
  private readonly subscribed: Promise<void>;
  private markSubscribed!: () => void;
  /** Reconnect attempts since the last connection. */
  private attempts = 0;
  private readonly reconnectFirstMs: number;
  private readonly reconnectMaxMs: number;

  constructor(private readonly options: MqttIntakeOptions) {
    if (options.topics.length === 0) throw new RangeError('MqttIntake: topics must not be empty');
    this.reconnectFirstMs = options.reconnectFirstMs ?? 1000;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 10_000;
    if (!(this.reconnectFirstMs > 0 && this.reconnectMaxMs >= this.reconnectFirstMs)) {
      throw new RangeError('MqttIntake: reconnectFirstMs must be > 0 and at most reconnectMaxMs');
    }
    this.subscribed = new Promise((resolve) => (this.markSubscribed = resolve));
    options.connected.set(0);
  }

  /**
   * Connects and subscribes. Resolves once subscribed, or once the start-up wait has passed (the broker is then
   * reported lost, and the client keeps trying): HTTP serves whether or not the broker is there.
   */
  async start(): Promise<void> {
    const { url, clientId, sessionExpirySeconds = 60, startupWaitMs = 3000 } = this.options;
    const client = connect(url, {
      protocolVersion: 5,
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: sessionExpirySeconds, receiveMaximum: RECEIVE_MAXIMUM },
      reconnectPeriod: this.reconnectFirstMs,
      // A broker that refuses the connection (restarting, overloaded) is tried again like one that is away.
      reconnectOnConnackError: true,
      // Subscribed again on every connection (below), so the node knows when its subscriptions are in place.
      resubscribe: false,
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
    this.client = client;
    client.handleMessage = (packet, done) => this.handle(packet, done);
    client.on('connect', () => void this.subscribe(client));
    client.on('error', (error) => (this.lastError = error));
    client.on('close', () => this.closed());
    // The package retries after `reconnectPeriod`, read again each time it schedules a retry: doubled per attempt.
    client.on('reconnect', () => {
      this.attempts += 1;
      const delay = Math.min(this.reconnectMaxMs, this.reconnectFirstMs * 2 ** this.attempts);
      client.options.reconnectPeriod = Math.round(delay * (0.8 + Math.random() * 0.4));
    });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'waited'>((resolve) => (timer = setTimeout(resolve, startupWaitMs, 'waited')));
    const outcome = await Promise.race([this.subscribed, waited]);
    clearTimeout(timer);
    // A broker that takes the connection but never answers raises no error: say it here (lost is idempotent).
    if (outcome === 'waited') this.options.watch.lost('client', this.lastError ?? new Error('the MQTT broker did not answer'));
  }

  /**
   * Stops taking messages, lets the one in hand be handed on, and disconnects. The session stays at the broker for
   * its expiry, keeping what comes meanwhile for this node's return; what arrived unacknowledged is sent again then.
   */
  async close(): Promise<void> {
    const client = this.client;
    if (this.stopping || !client) return;
    this.stopping = true;
    await this.inHand;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => client.end(true, () => resolve()), DISCONNECT_WAIT_MS);
      client.end(!client.connected, () => {
        clearTimeout(force);
        resolve();
      });
    });
    this.options.connected.set(0);
  }

  private async subscribe(client: MqttClient): Promise<void> {
    this.attempts = 0;
    client.options.reconnectPeriod = this.reconnectFirstMs;
    const { topics, group, watch, logger } = this.options;
    try {
      await client.subscribeAsync(topics.map((filter) => sharedFilter(group, filter)), { qos: 1 });
    } catch (error) {
      this.lastError = error;
      // Refused: the broker's configuration (its ACL, shared subscriptions off), which no retry mends. Otherwise the
      // connection went while subscribing: its close is reported, and the next connection subscribes again.
      if (error instanceof ErrorWithSubackPacket) {
        logger.error({ err: error }, 'the MQTT broker refused the subscriptions: device positions over MQTT are not taken');
        watch.lost('client', error);
      }
      return;
    }
    this.lastError = null;
    this.options.connected.set(1);
    watch.regained('client');
    this.markSubscribed();
  }

  private closed(): void {
    this.options.connected.set(0);
    if (this.stopping) return;
    this.options.watch.lost('client', this.lastError ?? new Error('the MQTT broker closed the connection'));
  }

  /** The package's hook for each message: its acknowledgement waits for `done`, and the next message too. */
  private handle(packet: IPublishPacket, done: (error?: Error) => void): void {
    // A stopping node leaves the message unacknowledged: the broker keeps it in this node's session.
    if (this.stopping) return;
    this.inHand = this.take(packet.topic, packet.payload).then(
      () => done(),
      (error: unknown) => {
        this.failed(error);
        done();
      },
    );
  }

  private async take(topic: string, payload: Buffer | string): Promise<void> {
    this.options.counted.inc({ outcome: await this.outcomeOf(topic, payload) });
  }

  private async outcomeOf(topic: string, payload: Buffer | string): Promise<MqttOutcome> {
    const key = deviceKeyOf(this.options.topics, topic);
    if (key === null) return 'ignored';
    let fix: DeviceFix | null;
    try {
      fix = parse(payload);
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof DeviceFormatError) return 'invalid';
      return this.failed(error);
    }
    if (fix === null) return 'ignored';
    try {
      const { outcome } = await this.options.devices.ingest(key, [fix]);
      this.failing = false;
      return outcome;
    } catch (error) {
      // Another delivery of the same position is being recorded now (the broker sent it again): nothing to add.
      if (error instanceof FixesBeingRecordedError) return 'ignored';
      return this.failed(error);
    }
  }

  /** A message the node could not hand on (the store away, a fault): logged once until one is handed on again. */
  private failed(error: unknown): 'failed' {
    if (!this.failing) this.options.logger.warn({ err: error }, 'a device position from MQTT was not taken; dropped, and counted until one is');
    this.failing = true;
    return 'failed';
  }
}

/**
 * A message's position, in OwnTracks' format when it says its `_type` (every OwnTracks message does), else in the
 * product's (`{ lat, lng, at?, speed?, heading? }`); null for a message of another kind (OwnTracks' other `_type`s).
 * @throws SyntaxError (not JSON), DeviceFormatError (not a position of its format)
 */
function parse(payload: Buffer | string): DeviceFix | null {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new DeviceFormatError([{ path: '', message: 'the message is too large for a position' }]);
  const body: unknown = JSON.parse(payload.toString());
  return typeof body === 'object' && body !== null && '_type' in body ? owntracksFix(body) : trkFix(body);
}

/**
 * A node's MQTT client id: its cluster, machine and port, so a node started again where it ran resumes its session
 * (and gets what the broker kept for it). A node on a port picked at random (`PORT=0`) has no place to come back to:
 * its id is random.
 */
export function mqttClientId({ group, host, port }: { group: string; host: string; port: number }): string {
  const where = port === 0 ? randomUUID().slice(0, 8) : `${host}-${port}`;
  return `${group}-${os.hostname()}-${where}`;
}

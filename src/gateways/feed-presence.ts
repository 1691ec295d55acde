import { randomUUID } from 'node:crypto';
import { adapterChannel, roomChannel, tellEveryNode, type IoServer } from './io';
import { withTimeout } from '../with-timeout';
import type { RedisClient } from './redis';
import type { RoomNames } from './room-names';
import { rooms, type FeedList } from './events';

export interface FeedPresenceOptions {
  /** The cluster's Socket.IO server (sharded Redis adapter, dynamic subscriptions: one channel per public room). */
  io: IoServer;
  /** Joins a socket to its tenant's feed room under the room's one shared name. */
  roomNames: Pick<RoomNames, 'join'>;
  /** The adapter's subscriber connection (see `createIo`): a joining node confirms its room subscription on it. */
  subscriber: RedisClient;
  /** The cluster's Redis prefix, as given to `createIo` (to name the adapter's channels). */
  prefix: string;
  /**
   * How often each node tells the others every tenant feed it has sockets in. A node that fell silent for three of
   * these is taken to have none; a tenant whose last socket on a node left stops costing a publish within one.
   * @default 10000
   */
  refreshMs?: number;
  /**
   * How long a socket's handshake waits for the other nodes to acknowledge that this node now watches its tenant
   * (one round trip through Redis when they are well). A node that has not answered by then is not waited for.
   * @default 2000
   */
  answerMs?: number;
  now?: () => number;
}

/** One other node's tenant feeds, as last heard from it. */
interface NodeFeeds {
  /** The sequence number of the node's newest message applied: an older one arriving late is ignored. */
  seq: number;
  tenants: Set<string>;
  heardAt: number;
}

/**
 * Which tenant feeds have sockets on other nodes, so that an event of a tenant nobody watches elsewhere is not
 * published to Redis at all (and one watched only on this node is delivered here, for free).
 *
 * Each node tells the others the tenants whose feed room it has sockets in: at once (with an acknowledgement) when
 * its first socket of a tenant joins, and its whole list every `refreshMs` (which also drops a tenant whose sockets
 * left, and heals a message lost while Redis was away). Every node keeps what it heard in memory.
 *
 * Why a socket that has just joined misses nothing: a business or staff socket joins its tenant's room during its
 * handshake, before it is connected, and the handshake completes only once (1) this node's subscription to the
 * room's channel is confirmed by Redis and (2) every other node has acknowledged that this node watches the tenant.
 * An event that node A pushes after its acknowledgement is published (A sees the tenant watched here) on the channel
 * this node is subscribed to; an event A pushed before its acknowledgement was pushed before the socket connected,
 * which the feed never promised. An event applied here reaches the socket from this node's own room once it is
 * connected. A node that starts (or whose subscriptions were restored after Redis came back) publishes every tenant's
 * events until it has heard every other node's list, so it never skips a watcher it has not heard of. The order
 * rooms are untouched: an order's watchers get its events from its live stream (`LiveFeed`), in order and once.
 */
export class FeedPresence {
  private readonly node = randomUUID();
  private readonly refreshMs: number;
  private readonly answerMs: number;
  private readonly now: () => number;
  /** Other nodes by id. */
  private readonly nodes = new Map<string, NodeFeeds>();
  /** Per tenant, how many other nodes have sockets in its feed. */
  private readonly watchedBy = new Map<string, number>();
  /** Tenants this node has sockets in (or is bringing one into): settled once the cluster knows. */
  private readonly claims = new Map<string, Promise<void>>();
  private seq = 0;
  /** Until this time every tenant counts as watched elsewhere (what the other nodes watch is not known yet). */
  private unsureUntil: number;
  private readonly timer: NodeJS.Timeout;
  private readonly onDeleteRoom: (room: string) => void;
  private readonly onReady: () => void;
  private readonly tenantPrefix = rooms.tenant('');

  constructor(private readonly options: FeedPresenceOptions) {
    this.refreshMs = options.refreshMs ?? 10_000;
    this.answerMs = options.answerMs ?? 2000;
    this.now = options.now ?? Date.now;
    if (!(this.refreshMs >= 100)) throw new RangeError('FeedPresence: refreshMs must be >= 100');
    if (!(this.answerMs >= 0 && this.answerMs < 5000)) throw new RangeError('FeedPresence: answerMs must be in [0, 5000)');
    const { io } = options;
    this.unsureUntil = Infinity;
    io.on('feed_watch', (node, seq, tenantId, reply) => {
      const feeds = this.heard(node, seq);
      if (feeds) this.add(feeds, tenantId);
      reply(true);
    });
    io.on('feed_tenants', (node, seq, tenantIds) => this.replace(node, seq, tenantIds));
    io.on('feed_list', (reply) => reply({ node: this.node, seq: this.seq, tenants: [...this.claims.keys()] }));
    this.onDeleteRoom = (room) => {
      if (room.startsWith(this.tenantPrefix)) this.claims.delete(room.slice(this.tenantPrefix.length));
    };
    io.of('/').adapter.on('delete-room', this.onDeleteRoom);
    // After a reconnect messages may have been missed: unsure again until the others' lists are heard anew.
    let connected = options.subscriber.status === 'ready';
    this.onReady = () => {
      if (!connected) connected = true;
      else this.learn();
    };
    options.subscriber.on('ready', this.onReady);
    this.learn();
    this.timer = setInterval(() => this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  /**
   * Whether the tenant's feed must be published to the cluster: another node has sockets in it, or this node does
   * not know yet. When false, only this node's sockets (if any) are in the room.
   */
  watchedElsewhere(tenantId: string): boolean {
    return this.watchedBy.has(tenantId) || this.now() < this.unsureUntil;
  }

  /**
   * Puts a socket in its tenant's feed room, settling once every node knows (see the class comment). Never
   * rejects: with Redis away the socket goes on like any socket during an outage.
   */
  join(socket: { join(rooms: string | string[]): unknown }, tenantId: string): Promise<void> {
    this.options.roomNames.join(socket, rooms.tenant(tenantId));
    let claim = this.claims.get(tenantId);
    if (!claim) {
      claim = this.claim(tenantId);
      this.claims.set(tenantId, claim);
    }
    return claim;
  }

  /** Stops listening and announcing. */
  close(): void {
    clearInterval(this.timer);
    this.options.io.of('/').adapter.off('delete-room', this.onDeleteRoom);
    this.options.subscriber.off('ready', this.onReady);
  }

  private async claim(tenantId: string): Promise<void> {
    const { io, subscriber, prefix } = this.options;
    // Each bounded by `answerMs`: a node that does not answer, or Redis away (the subscription then waits for the
    // reconnect, and nobody can be told: the next refresh tells them).
    // The adapter subscribed to the room's channel when the room was made (just now, or for an earlier socket);
    // this subscription goes on the same connection after it, so its answer means the adapter's is in place.
    const subscribed = withTimeout(subscriber.ssubscribe(roomChannel(prefix, rooms.tenant(tenantId))), this.answerMs).catch(() => undefined);
    await Promise.all([subscribed, tellEveryNode(io, ['feed_watch', this.node, ++this.seq, tenantId], this.answerMs)]);
  }

  /** Asks every node for its list; unsure until they all answered, or until each has sent its list once more. */
  private learn(): void {
    this.unsureUntil = this.now() + this.refreshMs * 1.5;
    const { io, subscriber, prefix } = this.options;
    const answered = (error: Error | null, replies: FeedList[] | undefined): void => {
      for (const { node, seq, tenants } of replies ?? []) this.replace(node, seq, tenants);
      if (!error) this.unsureUntil = 0;
    };
    // The adapter counts the nodes to wait for from the subscribers of its channel: once this node's own
    // subscription is confirmed (same connection, after the adapter's), the count is right.
    subscriber.ssubscribe(adapterChannel(prefix)).then(
      () => {
        const asking = io.of('/').adapter.serverSideEmit(['feed_list', answered]) as unknown;
        Promise.resolve(asking).catch(() => {
          // Redis away: unsure until the lists come round again.
        });
      },
      () => {
        // Dropped with the connection; its next `ready` comes back here.
      },
    );
  }

  private refresh(): void {
    const silentSince = this.now() - 3 * this.refreshMs;
    for (const [node, feeds] of this.nodes) {
      if (feeds.heardAt >= silentSince) continue;
      this.nodes.delete(node);
      for (const tenantId of feeds.tenants) this.uncount(tenantId);
    }
    const asking = this.options.io.of('/').adapter.serverSideEmit(['feed_tenants', this.node, ++this.seq, [...this.claims.keys()]]) as unknown;
    Promise.resolve(asking).catch(() => {
      // Redis away: the next refresh tells them.
    });
  }

  /** The node's record if this message is newer than what was applied from it (undefined: an old one, ignored). */
  private heard(node: string, seq: number): NodeFeeds | undefined {
    let feeds = this.nodes.get(node);
    if (!feeds) {
      feeds = { seq: -1, tenants: new Set(), heardAt: 0 };
      this.nodes.set(node, feeds);
    }
    feeds.heardAt = this.now();
    if (seq <= feeds.seq) return undefined;
    feeds.seq = seq;
    return feeds;
  }

  private replace(node: string, seq: number, tenantIds: readonly string[]): void {
    if (node === this.node || node === '') return; // itself, or a node that serves no sockets
    const feeds = this.heard(node, seq);
    if (!feeds) return;
    const next = new Set(tenantIds);
    for (const tenantId of feeds.tenants) {
      if (!next.has(tenantId)) {
        feeds.tenants.delete(tenantId);
        this.uncount(tenantId);
      }
    }
    for (const tenantId of next) this.add(feeds, tenantId);
  }

  private add(feeds: NodeFeeds, tenantId: string): void {
    if (feeds.tenants.has(tenantId)) return;
    feeds.tenants.add(tenantId);
    this.watchedBy.set(tenantId, (this.watchedBy.get(tenantId) ?? 0) + 1);
  }

  private uncount(tenantId: string): void {
    const left = (this.watchedBy.get(tenantId) ?? 1) - 1;
    if (left > 0) this.watchedBy.set(tenantId, left);
    else this.watchedBy.delete(tenantId);
  }
}

/**
 * What a node that serves no sockets answers: it watches no tenant feed (and pushes none), but a node announcing one
 * waits for every node's answer.
 */
export function answerFeedPresence(io: IoServer): void {
  io.on('feed_watch', (_node, _seq, _tenantId, reply) => reply(true));
  io.on('feed_list', (reply) => reply({ node: '', seq: 0, tenants: [] }));
}

/**
 * What a backup must keep (API.md "Backups"), checked the same way for every store: a backup taken while two nodes
 * post events holds every event acknowledged before it began, and a node restored from it lets a client resume with
 * `since_seq`: what the backup holds after the client's last seq, then what the restored node applies, nothing missing.
 */
import { eventually } from './eventually';
import { client } from './http';
import { listEvents, postStatus, type PlacedOrder } from './orders';
import { startPoster } from './poster';
import { range } from './range';
import { Recorder } from './recorder';
import { connectSocket, subscribeOk } from './sockets';

/** Per order, the seqs whose posts were acknowledged before the backup began. */
export type AckedBefore = Map<string, number[]>;

// Posts acknowledged on each order before the backup and after it: the backup runs in the middle of a flow of events.
const POSTS_AROUND = 5;

/**
 * Posts events to every order through `urls` (one poster per order, taking turns between the nodes), runs `backup`
 * in the middle of that flow, and resolves with what was acknowledged before it began.
 */
export async function backupWhilePosting(urls: string[], apiKey: string, orders: PlacedOrder[], backup: () => Promise<void>): Promise<AckedBefore> {
  const posters = orders.map((order) => ({ order, poster: startPoster(urls, apiKey, order.id) }));
  const allPast = (counts: Map<string, number>) => posters.every(({ order, poster }) => poster.acknowledged.length >= counts.get(order.id)! + POSTS_AROUND);
  const none = new Map(orders.map((order) => [order.id, 0]));
  await eventually(() => allPast(none), 'posts acknowledged before the backup');
  const before: AckedBefore = new Map(posters.map(({ order, poster }) => [order.id, poster.acknowledged.map((result) => result.seq!)]));
  await backup();
  const afterBackup = new Map(posters.map(({ order, poster }) => [order.id, poster.acknowledged.length]));
  await eventually(() => allPast(afterBackup), 'posts acknowledged after the backup');
  for (const { poster } of posters) {
    const { failures } = await poster.stop();
    expect(failures).toEqual([]);
  }
  return before;
}

/**
 * Checks a node restored from the backup: each order's log is gap-free and holds every seq acknowledged before the
 * backup; a client holding the order's tracking token (minted before the backup) resumes from the last of them with
 * `since_seq`, and gets the rest of the backup, then the events the restored node applies, nothing missing or twice.
 */
export async function expectRestored(url: string, apiKey: string, orders: PlacedOrder[], ackedBefore: AckedBefore): Promise<void> {
  const api = client(url, apiKey);
  for (const order of orders) {
    const acked = ackedBefore.get(order.id)!;
    const restored = (await listEvents(api, order.id)).map((event) => event.seq).filter((seq): seq is number => seq !== null);
    const head = Math.max(...restored);
    expect(restored).toEqual(range(1, head));
    expect(acked.filter((seq) => !restored.includes(seq))).toEqual([]);

    const lastSeen = Math.max(...acked);
    const socket = await connectSocket(url, order.tracking_token);
    const log = Recorder.of(socket);
    const ack = await subscribeOk(socket, order.id, lastSeen);
    expect(ack.order.version).toBe(head);
    for (let i = 0; i < 3; i++) await postStatus(api, order.id, 'in_transit');
    await log.untilSeq(order.id, head + 3);
    expect([...ack.missed.map((update) => update.seq), ...log.seqs(order.id)]).toEqual(range(lastSeen + 1, head + 3));
    socket.close();
  }
}

/**
 * Bursts of status posts on one order, for the concurrency, cluster and crash tests: each answer condensed (whatever
 * it was), the event ids of a burst with repeats, and the checks every burst shares.
 */
import { client } from './http';
import type { LoggedEvent } from './orders';
import { seededRandom, shuffle } from './random';
import { range } from './range';

export interface StatusResult {
  eventId: string;
  /** Index of the node the post went to (cluster tests), 0 otherwise. */
  node: number;
  status: number;
  seq: number | null;
  outcome: string | null;
  version: number | undefined;
  error?: unknown;
}

/**
 * POSTs a status change and condenses the answer, whatever it is (a burst counts its refusals, it does not stop at
 * them). Without `eventId` the node makes one up.
 */
export async function sendStatus(
  url: string,
  apiKey: string,
  orderId: string,
  eventId?: string,
  status = 'in_transit',
  node = 0,
): Promise<StatusResult> {
  const response = await client(url, apiKey).post(`/v1/orders/${orderId}/status`, eventId === undefined ? { status } : { status, event_id: eventId });
  const seq = response.headers.get('event-seq');
  return {
    eventId: eventId ?? '',
    node,
    status: response.status,
    seq: seq === null ? null : Number(seq),
    outcome: response.headers.get('event-outcome'),
    version: (response.body as { version?: number } | undefined)?.version,
    error: response.status === 200 ? undefined : response.body,
  };
}

/**
 * The event ids of a burst: `distinct` ids, the first `repeated` of them sent twice, shuffled.
 * Length `distinct + repeated`.
 */
export function burstEventIds(prefix: string, distinct: number, repeated: number, seed: number): string[] {
  const ids = Array.from({ length: distinct }, (_, i) => `${prefix}-${i}`);
  return shuffle([...ids, ...ids.slice(0, repeated)], seededRandom(seed));
}

/**
 * The checks of a burst of `in_transit` posts with repeated event ids on one order whose log held
 * `versionBefore` events before the burst.
 */
export function expectConsistentBurst(options: {
  results: StatusResult[];
  events: LoggedEvent[];
  versionBefore: number;
  distinct: number;
  repeated: number;
}): void {
  const { results, events, versionBefore, distinct, repeated } = options;
  const failures = results.filter((r) => r.status !== 200);
  expect(failures).toEqual([]);

  // The log: gap-free, duplicate-free, every event applied, exactly `distinct` new ones.
  const seqs = events.map((e) => e.seq);
  expect(seqs).toEqual(range(1, versionBefore + distinct));
  expect(events.every((e) => e.applied)).toBe(true);
  const logIds = events.map((e) => e.event_id);
  expect(new Set(logIds).size).toBe(logIds.length);
  const burstIds = [...new Set(results.map((r) => r.eventId))].sort();
  expect(burstIds).toHaveLength(distinct);
  const newEvents = events.filter((e) => e.seq! > versionBefore);
  expect(newEvents.map((e) => e.event_id).sort()).toEqual(burstIds);
  expect(newEvents.every((e) => e.status === 'in_transit')).toBe(true);

  // Every answer names the seq its event has in the log; one applied answer per event id, the rest duplicates.
  const seqById = new Map(events.map((e) => [e.event_id, e.seq]));
  const wrongSeq = results.filter((r) => r.seq !== seqById.get(r.eventId));
  expect(wrongSeq).toEqual([]);
  const appliedById = new Map<string, number>();
  for (const r of results) {
    expect(['applied', 'duplicate']).toContain(r.outcome);
    if (r.outcome === 'applied') appliedById.set(r.eventId, (appliedById.get(r.eventId) ?? 0) + 1);
    // The order in the answer already contains the event.
    expect(r.version).toBeGreaterThanOrEqual(r.seq!);
  }
  expect([...appliedById.keys()].sort()).toEqual(burstIds);
  expect([...appliedById.values()].every((count) => count === 1)).toBe(true);
  expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(repeated);
}

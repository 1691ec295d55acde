import { sendStatus, type StatusResult } from './burst';

export interface Poster {
  /** The posts answered 200, in answer order. */
  readonly acknowledged: StatusResult[];
  /** Every other answer, and every post that got none. */
  readonly failures: StatusResult[];
  /** The order's version in each 200, in answer order. */
  readonly versions: number[];
  /** The highest seq acknowledged so far (0 before the first). */
  last(): number;
  /** Stops after the post in flight; resolves with every acknowledged version and every failure. */
  stop(): Promise<{ versions: number[]; failures: StatusResult[] }>;
}

/**
 * Posts `in_transit` to an order one request at a time, cycling through `urls`, until stopped: a steady flow of
 * events while the test disturbs something. With `eventIds`, the posts carry `<eventIds>-<n>` as their event ids.
 */
export function startPoster(urls: string[], apiKey: string, orderId: string, { eventIds }: { eventIds?: string } = {}): Poster {
  const acknowledged: StatusResult[] = [];
  const failures: StatusResult[] = [];
  const versions: number[] = [];
  let stopping = false;
  const loop = (async () => {
    for (let i = 0; !stopping; i++) {
      const node = i % urls.length;
      const eventId = eventIds === undefined ? undefined : `${eventIds}-${i}`;
      const result = await sendStatus(urls[node]!, apiKey, orderId, eventId, 'in_transit', node).catch(
        (error: unknown): StatusResult => ({ eventId: eventId ?? '', node, status: 0, seq: null, outcome: null, version: undefined, error: String(error) }),
      );
      if (result.status !== 200) {
        failures.push(result);
        continue;
      }
      acknowledged.push(result);
      versions.push(result.version!);
    }
  })();
  return {
    acknowledged,
    failures,
    versions,
    last: () => Math.max(0, ...acknowledged.map((result) => result.seq ?? 0)),
    stop: async () => {
      stopping = true;
      await loop;
      return { versions, failures };
    },
  };
}

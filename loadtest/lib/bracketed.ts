import { round } from './stats';

/** What one stretch of load on the reference came to. */
export interface ReferenceStretch {
  /** Requests answered as they should be. */
  ok: number;
  /** Seconds the load ran. */
  seconds: number;
  /** CPU seconds (user + system) the reference used meanwhile. */
  cpu: number;
}

/** The reference over both its halves, and each half's CPU per request, to show how far the machine drifted. */
export interface BracketedReference extends ReferenceStretch {
  perSecond: number;
  cpuUsPerRequest: number;
  /** CPU per request in the half before the product's phase and in the half after it. */
  halvesCpuUs: [number, number];
}

/**
 * Runs the product's phase between two halves of the reference's load, so both see the machine in the same state
 * on average: on a shared machine the speed of the same work drifts by a factor of two within minutes, and a
 * reference measured only after the product would compare two different machines. `half` runs the reference for
 * the given seconds.
 */
export async function bracketed<T>(
  seconds: number,
  half: (seconds: number) => Promise<ReferenceStretch>,
  phase: () => Promise<T>,
): Promise<{ result: T; reference: BracketedReference }> {
  const halfSeconds = Math.max(1, Math.round(seconds / 2));
  const before = await half(halfSeconds);
  const result = await phase();
  const after = await half(halfSeconds);
  const ok = before.ok + after.ok;
  const total = before.seconds + after.seconds;
  const cpu = before.cpu + after.cpu;
  const perRequest = (stretch: ReferenceStretch) => round((stretch.cpu * 1e6) / Math.max(1, stretch.ok), 1);
  return {
    result,
    reference: {
      ok,
      seconds: total,
      cpu,
      perSecond: ok / Math.max(0.001, total),
      cpuUsPerRequest: (cpu * 1e6) / Math.max(1, ok),
      halvesCpuUs: [perRequest(before), perRequest(after)],
    },
  };
}

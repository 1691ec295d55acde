import { cpuTimes } from './process-cpu';
import { round } from './stats';

/** What one stretch of load on the reference came to. */
export interface ReferenceStretch {
  /** Requests answered as they should be. */
  ok: number;
  /** Seconds the load ran. */
  seconds: number;
  /** CPU seconds (user + system) the reference used meanwhile. */
  cpu: number;
  /** Of `cpu`, the seconds in the kernel. */
  system: number;
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
  const both: ReferenceStretch = {
    ok: before.ok + after.ok,
    seconds: before.seconds + after.seconds,
    cpu: before.cpu + after.cpu,
    system: before.system + after.system,
  };
  const cpuUs = (stretch: ReferenceStretch) => (stretch.cpu * 1e6) / Math.max(1, stretch.ok);
  return {
    result,
    reference: {
      ...both,
      perSecond: both.ok / Math.max(0.001, both.seconds),
      cpuUsPerRequest: cpuUs(both),
      halvesCpuUs: [round(cpuUs(before), 1), round(cpuUs(after), 1)],
    },
  };
}

/** Runs `load` against the reference process `pid`: what it answered, in how many seconds, and the CPU it used. */
export async function stretchOf(pid: number, load: () => Promise<{ ok: number; seconds: number }>): Promise<ReferenceStretch> {
  const before = cpuTimes(pid);
  const { ok, seconds } = await load();
  const after = cpuTimes(pid);
  const system = after.system - before.system;
  return { ok, seconds, cpu: after.user - before.user + system, system };
}

import { ActorSystem } from '../../src/actors/actor-system';
import { round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

/** The actor runtime alone: a no-op handler, messages spread over many keys, against a direct async call. */
export const actors: Benchmark = {
  name: 'actors',
  description: 'actor runtime with a no-op handler vs a direct async call (in process)',
  defaults: { messages: 2_000_000, keys: 1000, inflight: 10_000 },
  target: '≥ 1,000,000 messages/s; ≤ 3× a direct async call',
  async run({ options, progress }) {
    const handler = { receive: async (message: number) => message };
    const system = new ActorSystem<number, number, number>({ create: () => handler, idleMs: 60_000, maxActors: options.keys! * 2 });
    const direct = async (message: number) => handler.receive(message);

    // Both loops keep `inflight` messages outstanding, as many concurrent requests would.
    const drive = async (send: (index: number) => Promise<number>) => {
      const started = performance.now();
      let index = 0;
      const lane = async () => {
        while (index < options.messages!) {
          const current = index++;
          await send(current);
          if (current % 200_000 === 0) progress(`${current.toLocaleString()} messages`);
        }
      };
      await Promise.all(Array.from({ length: options.inflight! }, lane));
      return options.messages! / ((performance.now() - started) / 1000);
    };
    await drive((i) => system.ask(i % options.keys!, i)); // warm-up: JIT and actor activation
    const actorRate = await drive((i) => system.ask(i % options.keys!, i));
    const directRate = await drive((i) => direct(i));
    await system.stop();
    const slowdown = directRate / actorRate;
    return {
      metrics: { messages: options.messages!, keys: options.keys!, actor_msgs_per_s: Math.round(actorRate) },
      reference: { name: 'direct async call', metrics: { msgs_per_s: Math.round(directRate) } },
      ratio: { metric: 'msgs_per_s', value: round(actorRate / directRate, 3) },
      targets: [
        { target: '≥ 1,000,000 messages/s', measured: `${Math.round(actorRate).toLocaleString()}/s`, met: actorRate >= 1_000_000 },
        { target: '≤ 3× a direct async call', measured: `${round(slowdown)}×`, met: slowdown <= 3 },
      ],
    };
  },
};

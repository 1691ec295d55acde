/**
 * A node that dies (SIGKILL) the moment an applied event of status `CRASH_AFTER_COMMIT` is durable, before the
 * rest of the node hears of it: no publish, no alert queued, no answer. What a power cut or an OOM kill between
 * commit and publish leaves behind.
 */
import { runOrExit } from '../../../src/main';
import type { EventCommit, Store } from '../../../src/store/store';

const status = process.env.CRASH_AFTER_COMMIT;
if (!status) throw new Error('CRASH_AFTER_COMMIT must name a status');

runOrExit({
  wrapStore: (store) =>
    new Proxy(store, {
      get(target, property) {
        if (property === 'commitEvent') {
          return async (commit: EventCommit) => {
            const result = await target.commitEvent(commit);
            if (result.kind === 'ok' && commit.event.applied && commit.event.status === status) process.kill(process.pid, 'SIGKILL');
            return result;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }) satisfies Store,
});

/**
 * A node that dies (SIGKILL) the moment an applied event of status `CRASH_AFTER_COMMIT` is durable, before the
 * rest of the node hears of it: no publish, no alert queued, no answer. What a power cut or an OOM kill between
 * commit and publish leaves behind.
 */
import { runOrExit } from '../../../src/main';
import type { EventCommit } from '../../../src/store/store';
import { die, replaceMethod } from './faults';

const status = process.env.CRASH_AFTER_COMMIT;
if (!status) throw new Error('CRASH_AFTER_COMMIT must name a status');

runOrExit({
  wrapStore: (store) => ({
    ...store,
    orders: replaceMethod(store.orders, 'commitEvent', (commitEvent) => async (commit: EventCommit) => {
      const result = await commitEvent(commit);
      if (result.kind === 'ok' && commit.event.applied && commit.event.status === status) die();
      return result;
    }),
  }),
});

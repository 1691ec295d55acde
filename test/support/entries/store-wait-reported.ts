/**
 * A node that says when its start-up is waiting for another process's write lock on the embedded store: it starts
 * the store's init as the node does (whose first try of the lock runs at once), then checks on a connection of its
 * own that the lock is still held, and if so logs `"store_waiting":true`. A test that holds the lock and releases
 * it on that line knows the node has met the held lock and is waiting, however slowly it started.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { runOrExit } from '../../../src/main';
import { replaceMethod } from './faults';

const database = path.join(process.env.DATA_DIR ?? '.', 'tracking.db');

/** Whether another connection holds the write lock now (a write transaction cannot begin). */
function writeLockHeld(): boolean {
  const probe = new Database(database, { timeout: 0 });
  try {
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw error;
  } finally {
    probe.close();
  }
}

runOrExit({
  wrapStore: (store) => ({
    ...store,
    lifecycle: replaceMethod(store.lifecycle, 'init', (init) => () => {
      const initialising = init();
      if (writeLockHeld()) process.stdout.write(`${JSON.stringify({ store_waiting: true, pid: process.pid })}\n`);
      return initialising;
    }),
  }),
});

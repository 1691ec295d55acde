import path from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_SOURCES_MIGRATION, SqliteSourceDirectory } from '../../../src/store/sources/sqlite';
import { createSqliteStore } from '../../../src/store/sqlite/create-store';
import { GroupCommit } from '../../../src/store/sqlite/group-commit';
import { describeSourceContract } from '../../support/source-contract';
import { removeDir, tempDir } from '../../support/temp-dir';

/**
 * The SourceDirectory contract on the embedded store: a fresh file per test, migrated by the store, the source
 * tables created from their migration; each directory on a connection of its own with a group commit of its own, as
 * the store will run it (two of them: two processes sharing the file).
 */
describeSourceContract('SqliteSourceDirectory contract', async () => {
  const dataDir = tempDir('source-contract-');
  const store = createSqliteStore({ dataDir });
  await store.lifecycle.init();
  const connections: Database.Database[] = [];
  const open = (): { directory: SqliteSourceDirectory; writes: GroupCommit } => {
    const db = new Database(path.join(dataDir, 'tracking.db'), { timeout: 0 });
    connections.push(db);
    if (connections.length === 1) db.exec(SQLITE_SOURCES_MIGRATION);
    const writes = new GroupCommit(db);
    const directory = new SqliteSourceDirectory({ db, write: (run) => writes.write(run), read: async (run) => run() });
    return { directory, writes };
  };
  const first = open();
  const second = open();
  return {
    sources: first.directory,
    twin: second.directory,
    orders: store.orders,
    cleanup: async () => {
      await Promise.all([first.writes.drained(), second.writes.drained()]);
      for (const db of connections) db.close();
      await store.lifecycle.close();
      removeDir(dataDir);
    },
  };
});

describe('SqliteSourceDirectory queries', () => {
  it('finds orders by external id through the unique index, not a scan', async () => {
    const dataDir = tempDir('source-plan-');
    const store = createSqliteStore({ dataDir });
    await store.lifecycle.init();
    await store.lifecycle.close();
    const db = new Database(path.join(dataDir, 'tracking.db'));
    try {
      const plan = db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT external_id, id AS order_id FROM orders
           WHERE tenant_id = ? AND external_scope = ? AND external_id IN (SELECT value FROM json_each(?))`,
        )
        .all('t', 'tenant', '["a"]') as Array<{ detail: string }>;
      expect(plan.map((step) => step.detail)).toEqual(expect.arrayContaining([expect.stringMatching(/SEARCH orders USING INDEX orders_external_id/)]));
    } finally {
      db.close();
      removeDir(dataDir);
    }
  });
});

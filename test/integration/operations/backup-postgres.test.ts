/**
 * Backups of a PostgreSQL store (API.md "Backups"): the README's own `pg_dump` and `pg_restore` lines, run as written
 * with the machine's tools, while two nodes on one schema post events; a node on the restored database serves every
 * event acknowledged before the dump began and resumes clients by `since_seq`.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { backupWhilePosting, expectRestored } from '../../support/backup-check';
import { processCluster } from '../../support/cluster-fixture';
import { runOk } from '../../support/command';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { placeOrder } from '../../support/orders';
import { POSTGRES_URL } from '../../support/postgres';
import { createTenant } from '../../support/tenant';
import { removeDir, tempDir } from '../../support/temp-dir';

jest.setTimeout(120_000);

const README = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');

/** The README's command line that starts with `tool`, in its backups section. */
function readmeCommand(tool: string): string {
  const section = README.slice(README.indexOf('## Operations: backups'));
  const line = section.split('\n').find((text) => text.startsWith(`${tool} `));
  if (!line) throw new Error(`README "Operations: backups" has no ${tool} line`);
  return line;
}

/** Runs one statement on the server's maintenance connection (databases are made and dropped outside any). */
async function admin(sql: string): Promise<void> {
  const connection = new pg.Client({ connectionString: POSTGRES_URL });
  await connection.connect();
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

/** The server's URL with another database. */
function databaseUrl(name: string): string {
  return Object.assign(new URL(POSTGRES_URL), { pathname: `/${name}` }).toString();
}

const cluster = processCluster();
// Databases of their own, so the nodes run with the default schema (`public`), as most installations do.
const source = unique('backup_src', '_');
const restored = unique('backup_dst', '_');
let scratch: string;
beforeAll(async () => {
  scratch = tempDir('tracking-backups-');
  await admin(`CREATE DATABASE ${source}`);
});
// After the fixture's afterEach has killed the nodes, which hold connections to both.
afterAll(async () => {
  removeDir(scratch);
  for (const name of [source, restored]) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

it('the README pg_dump taken while two nodes post, restored with its pg_restore into a fresh database, serves every acknowledged event', async () => {
  const env = { DATABASE_URL: databaseUrl(source), DATABASE_SCHEMA: 'public' };
  const a = await cluster.spawn({ env });
  const b = await cluster.spawn({ env, dataDir: cluster.newDir() });
  const tenant = await createTenant(a.url);
  const orders = await Promise.all([1, 2, 3].map(() => placeOrder(client(a.url, tenant.apiKey))));
  const file = path.join(scratch, 'tracking.dump');

  const ackedBefore = await backupWhilePosting([a.url, b.url], tenant.apiKey, orders, async () => {
    await runOk(readmeCommand('pg_dump'), { ...env, BACKUP_FILE: file });
  });
  await Promise.all([a.stop(), b.stop()]);

  await admin(`CREATE DATABASE ${restored}`);
  await runOk(readmeCommand('pg_restore'), { BACKUP_FILE: file, RESTORE_DATABASE_URL: databaseUrl(restored) });
  // Same JWT_SECRET as before (the suite's): the README's advice for PostgreSQL, where DATA_DIR is each node's own.
  const node = await cluster.spawn({ env: { DATABASE_URL: databaseUrl(restored), DATABASE_SCHEMA: 'public' }, dataDir: cluster.newDir() });
  await expectRestored(node.url, tenant.apiKey, orders, ackedBefore);
});

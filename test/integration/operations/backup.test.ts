/**
 * Backups of the embedded store (API.md "Backups"): `npm run backup -- <file>` while two nodes on one DATA_DIR post
 * events, `npm run restore -- <file>` into an empty DATA_DIR, and a node there serving every event acknowledged before
 * the backup began, to clients that resume with `since_seq` holding tokens minted before it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { backupWhilePosting, expectRestored } from '../../support/backup-check';
import { processCluster } from '../../support/cluster-fixture';
import { runCommand, runOk } from '../../support/command';
import { client } from '../../support/http';
import { placeOrder } from '../../support/orders';
import { POSTGRES_URL } from '../../support/postgres';
import { createTenant } from '../../support/tenant';
import { removeDir, tempDir } from '../../support/temp-dir';

jest.setTimeout(120_000);

const cluster = processCluster();
let scratch: string;
beforeEach(() => (scratch = tempDir('tracking-backups-')));
afterEach(() => removeDir(scratch));

// No JWT_SECRET: the nodes generate one into DATA_DIR, which the backup must carry for old tokens to stay good.
const OWN_SECRET = { JWT_SECRET: '' };

it('a backup taken while two nodes post holds every acknowledged event; the restored node resumes clients by since_seq', async () => {
  const [a, b] = await Promise.all([cluster.spawn({ env: OWN_SECRET }), cluster.spawn({ env: OWN_SECRET })]);
  const tenant = await createTenant(a.url);
  const orders = await Promise.all([1, 2, 3].map(() => placeOrder(client(a.url, tenant.apiKey))));
  const file = path.join(scratch, 'tracking-backup.db');

  const ackedBefore = await backupWhilePosting([a.url, b.url], tenant.apiKey, orders, async () => {
    const done = await runOk(`npm run -s backup -- ${file}`, { DATA_DIR: cluster.dataDir });
    expect(done.stdout.trim()).toMatch(/^backup of .* written to .*tracking-backup\.db \(\d+ bytes, with jwt-secret\)$/);
  });
  await Promise.all([a.stop(), b.stop()]);

  const restoredDir = path.join(scratch, 'restored');
  const restored = await runOk(`npm run -s restore -- ${file}`, { DATA_DIR: restoredDir });
  expect(restored.stdout).toContain('restored into');
  expect(fs.readdirSync(restoredDir).sort()).toEqual(['jwt-secret', 'tracking.db']);
  expect(fs.readFileSync(path.join(restoredDir, 'jwt-secret'), 'utf8')).toBe(fs.readFileSync(path.join(cluster.dataDir, 'jwt-secret'), 'utf8'));

  const node = await cluster.spawn({ dataDir: restoredDir, env: OWN_SECRET });
  await expectRestored(node.url, tenant.apiKey, orders, ackedBefore);
});

it('restore refuses a DATA_DIR that is not empty, and a file that is no backup; backup never overwrites a file', async () => {
  const node = await cluster.spawn();
  await createTenant(node.url);
  const file = path.join(scratch, 'backup.db');
  await runOk(`npm run -s backup -- ${file}`, { DATA_DIR: cluster.dataDir });
  const written = fs.readFileSync(file);
  // It carries personal data and the JWT secret.
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);

  const again = await runCommand(`npm run -s backup -- ${file}`, { DATA_DIR: cluster.dataDir });
  expect(again.code).not.toBe(0);
  expect(again.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^backup: .*backup\.db exists already/)]);
  expect(fs.readFileSync(file).equals(written)).toBe(true);

  const occupied = await runCommand(`npm run -s restore -- ${file}`, { DATA_DIR: cluster.dataDir });
  expect(occupied.code).not.toBe(0);
  expect(occupied.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^restore: DATA_DIR .* is not empty \(.*\); restore into an empty one$/)]);

  const notBackup = path.join(scratch, 'notes.txt');
  fs.writeFileSync(notBackup, 'not a database');
  const empty = path.join(scratch, 'empty');
  const refused = await runCommand(`npm run -s restore -- ${notBackup}`, { DATA_DIR: empty });
  expect(refused.code).not.toBe(0);
  expect(refused.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^restore: .*notes\.txt is not a store backup/)]);
  expect(fs.existsSync(empty) ? fs.readdirSync(empty) : []).toEqual([]);

  const postgres = await runCommand(`npm run -s backup -- ${path.join(scratch, 'pg.db')}`, { DATABASE_URL: POSTGRES_URL });
  expect(postgres.code).not.toBe(0);
  expect(postgres.stderr.trim()).toMatch(/use pg_dump and pg_restore \(README "Backups"\)$/);
});

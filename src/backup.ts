/**
 * `npm run backup -- <file>` and `npm run restore -- <file>` (API.md "Backups"): the embedded store of `DATA_DIR`
 * copied while its nodes serve, and put back into an empty `DATA_DIR`. Settings are the node's (DATA_DIR, and the
 * store settings, to refuse a networked store: PostgreSQL is backed up with pg_dump, see README "Backups").
 * Prints one line saying what was done, or one line saying why not and exits 1.
 */
import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { backupSqliteStore, BackupError, restoreSqliteStore } from './store/sqlite/backup';

const USAGE = 'usage: npm run backup -- <file>   |   npm run restore -- <file>';

async function main(command: string | undefined, file: string | undefined): Promise<string> {
  if ((command !== 'backup' && command !== 'restore') || !file) throw new BackupError(USAGE);
  const config = loadConfig(process.env);
  if (config.store.kind !== 'sqlite') {
    const tool = config.store.kind === 'postgres' ? 'pg_dump and pg_restore' : 'mongodump and mongorestore';
    throw new BackupError(`${command} works on the embedded store; this node's is ${config.store.kind}: use ${tool} (README "Backups")`);
  }
  const dataDir = path.resolve(config.store.dataDir);
  if (command === 'backup') {
    const done = await backupSqliteStore(dataDir, path.resolve(file));
    return `backup of ${dataDir} written to ${done.file} (${done.bytes} bytes${carriedNote(done.carried)})`;
  }
  const done = restoreSqliteStore(path.resolve(file), dataDir);
  return `${file} restored into ${done.dataDir}${carriedNote(done.carried)}; start a node on it`;
}

function carriedNote(carried: string[]): string {
  return carried.length > 0 ? `, with ${carried.join(', ')}` : ', no jwt-secret file: keep JWT_SECRET';
}

main(process.argv[2], process.argv[3]).then(
  (line) => process.stdout.write(`${line}\n`),
  (error: unknown) => {
    if (error instanceof BackupError || error instanceof ConfigError) {
      process.stderr.write(`${process.argv[2] ?? 'backup'}: ${error.message}\n`);
    } else {
      process.stderr.write(`${process.argv[2] ?? 'backup'} failed: ${(error as Error).message}\n`);
    }
    process.exit(1);
  },
);

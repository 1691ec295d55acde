import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { STORE_FILE } from './create-store';

/**
 * The files of `DATA_DIR` a backup carries beside the database: the generated JWT secret, so a restored node accepts
 * the tokens handed out before (tracking links in sent alerts, customers' and couriers' sessions). A node given
 * `JWT_SECRET` has no such file and carries nothing.
 */
const CARRIED_FILES = ['jwt-secret'] as const;

// The carried files travel inside the backup's database, in a table of their own that restore takes out again: one
// file to copy, rotate and keep, and nothing to pair up by hand.
const CARRIED_TABLE = 'backup_carried_files';

// Pages per step of the second and last step: all of them. One step reads the whole file in one read transaction,
// so the copy is a snapshot; in WAL mode the nodes keep writing meanwhile. Smaller steps would restart the copy
// each time another process commits, which, under a steady flow of events, may be forever.
const ALL_PAGES = 0x7fffffff;

/** Why a backup or a restore was refused; its message is the one line the command prints. */
export class BackupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackupError';
  }
}

export interface BackupSummary {
  file: string;
  bytes: number;
  /** The `DATA_DIR` files carried (see {@link CARRIED_FILES}). */
  carried: string[];
}

/**
 * Writes a consistent copy of the embedded store in `dataDir` to `file` while nodes serve and write (SQLite's online
 * backup): every event committed before it began is in it. The copy is written beside `file` and renamed into
 * place once complete, so a `file` that exists is whole; an existing `file` is never overwritten. Readable by its
 * owner only.
 * @throws BackupError when there is no store in `dataDir`, or `file` exists or cannot be written
 */
export async function backupSqliteStore(dataDir: string, file: string): Promise<BackupSummary> {
  const source = path.join(dataDir, STORE_FILE);
  if (!fs.existsSync(source)) throw new BackupError(`no store to back up: ${source} does not exist (is DATA_DIR right?)`);
  if (fs.existsSync(file)) throw new BackupError(`${file} exists already; a backup never overwrites a file`);
  if (!fs.existsSync(path.dirname(path.resolve(file)))) throw new BackupError(`the directory of ${file} does not exist`);
  const partial = `${file}.partial-${process.pid}`;
  // A reader in WAL mode waits only while a node recovers the log after a crash; the command may block on it.
  const db = new Database(source, { fileMustExist: true, timeout: 10_000 });
  try {
    await db.backup(partial, { progress: () => ALL_PAGES });
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw new BackupError(`backup of ${source} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    db.close();
  }
  try {
    // It holds what the store holds (personal data) and the JWT secret: readable by its owner only.
    fs.chmodSync(partial, 0o600);
    const carried = carryFiles(dataDir, partial);
    // A hard link fails when `file` appeared meanwhile, where a rename would replace it.
    fs.linkSync(partial, file);
    return { file, bytes: fs.statSync(file).size, carried };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError(`${file} exists already; a backup never overwrites a file`);
    throw new BackupError(`backup could not be written to ${file}: ${(error as Error).message}`, { cause: error });
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/** Puts the carried files of `dataDir` into the copy, made a single self-contained file (no WAL beside it). */
function carryFiles(dataDir: string, copy: string): string[] {
  const db = new Database(copy, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    db.exec(`CREATE TABLE ${CARRIED_TABLE} (name TEXT PRIMARY KEY, content BLOB NOT NULL)`);
    const insert = db.prepare(`INSERT INTO ${CARRIED_TABLE} (name, content) VALUES (?, ?)`);
    const carried: string[] = [];
    for (const name of CARRIED_FILES) {
      const from = path.join(dataDir, name);
      if (!fs.existsSync(from)) continue;
      insert.run(name, fs.readFileSync(from));
      carried.push(name);
    }
    return carried;
  } finally {
    db.close();
  }
}

export interface RestoreSummary {
  dataDir: string;
  carried: string[];
}

/**
 * Puts a backup made by {@link backupSqliteStore} into `dataDir`, which must be empty or missing: a node started on
 * it serves what the backup holds. The carried files are put back with the store.
 * @throws BackupError when `dataDir` is not empty, or `file` is missing, damaged or not such a backup
 */
export function restoreSqliteStore(file: string, dataDir: string): RestoreSummary {
  const present = fs.existsSync(dataDir) ? fs.readdirSync(dataDir) : [];
  if (present.length > 0) {
    throw new BackupError(`DATA_DIR ${dataDir} is not empty (${present.slice(0, 3).join(', ')}${present.length > 3 ? ', …' : ''}); restore into an empty one`);
  }
  if (!fs.existsSync(file)) throw new BackupError(`${file} does not exist`);
  fs.mkdirSync(dataDir, { recursive: true });
  // Worked on under another name, so a DATA_DIR holding tracking.db holds a whole store.
  const restoring = path.join(dataDir, `${STORE_FILE}.restoring`);
  fs.copyFileSync(file, restoring);
  let files: Array<{ name: string; content: Buffer }>;
  try {
    files = takeCarriedFiles(file, restoring);
  } catch (error) {
    fs.rmSync(restoring, { force: true });
    throw error;
  }
  for (const { name, content } of files) fs.writeFileSync(path.join(dataDir, name), content, { flag: 'wx', mode: 0o600 });
  fs.renameSync(restoring, path.join(dataDir, STORE_FILE));
  return { dataDir, carried: files.map(({ name }) => name) };
}

/** Checks the copy of a backup and takes the carried files out of it. */
function takeCarriedFiles(file: string, copy: string): Array<{ name: string; content: Buffer }> {
  let db: Database.Database;
  try {
    db = new Database(copy, { fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${file} is not a store backup: ${(error as Error).message}`, { cause: error });
  }
  try {
    const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((row) => row.name));
    if (!tables.has(CARRIED_TABLE) || !tables.has('schema_migrations')) {
      throw new BackupError(`${file} is not a store backup made by npm run backup`);
    }
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`${file} is damaged: ${String(check)}`);
    const files = db.prepare(`SELECT name, content FROM ${CARRIED_TABLE}`).all() as Array<{ name: string; content: Buffer }>;
    db.exec(`DROP TABLE ${CARRIED_TABLE}`);
    return files.filter(({ name }) => (CARRIED_FILES as readonly string[]).includes(name));
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} is not a store backup: ${(error as Error).message}`, { cause: error });
  } finally {
    db.close();
  }
}

import fs from 'node:fs';

/** Only the node's own user may list or enter the data directory. */
export const PRIVATE_DIR_MODE = 0o700;
/** Only the node's own user may read or write the node's files (the store holds personal data, the secret signs tokens). */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * The node's data directory, created if missing, readable by the node's own user only: it holds the embedded
 * store (personal data) and the generated JWT secret. An existing directory is narrowed too, so a node started
 * on files an older version left open closes them.
 */
export function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  try {
    fs.chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (error) {
    // A directory another user owns (a mounted volume the node may write into): its owner decides who may enter
    // it; the files the node makes there are still its own only.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}

/**
 * Narrows the files that exist among `files` to the node's own user. A file created later with `mode` 0600 (or,
 * for SQLite's `-wal` and `-shm`, from a database file that is 0600: SQLite gives them its mode) needs no call.
 */
export function narrowToOwner(...files: string[]): void {
  for (const file of files) {
    try {
      fs.chmodSync(file, PRIVATE_FILE_MODE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** Creates `file` empty with mode 0600 unless it exists, then narrows it: a file that never was readable by others. */
export function privateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  narrowToOwner(file);
}

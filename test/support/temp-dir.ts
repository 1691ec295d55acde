import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary directory (a node's DATA_DIR, a store's file), removed by `removeDir`. */
export function tempDir(prefix = 'tracking-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a directory and everything in it; nothing if it is gone already. */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

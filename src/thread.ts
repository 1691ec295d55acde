import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

// Under tsx (`npm start`) or jest the sources are TypeScript: the thread registers tsx's loader before it loads its
// module. A compiled build (`npm run build`) loads the JavaScript as it is.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.entry.endsWith('.ts')) require('tsx/cjs/api').register();
require(workerData.entry);
`;

/**
 * The path of a thread's module `name` beside `file` (the caller's `__filename`), in the caller's own form: `.ts`
 * when the sources run as they are, `.js` once built.
 */
export function moduleBeside(file: string, name: string): string {
  return path.join(path.dirname(file), `${name}${path.extname(file)}`);
}

/**
 * A worker thread running the module `entry` (see {@link moduleBeside}), which reads `data` as its `workerData`
 * (with `entry` added).
 */
export function startThread(entry: string, data: object, options: Omit<WorkerOptions, 'eval' | 'workerData'> = {}): Worker {
  return new Worker(BOOTSTRAP, { ...options, eval: true, workerData: { ...data, entry } });
}

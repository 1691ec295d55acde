import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { ADMIN_TOKEN, JWT_SECRET, UNLIMITED_BUDGETS } from './node';

const ROOT = path.resolve(__dirname, '../..');

export interface NodeProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Lines the process wrote to stdout and stderr. */
  output: string[];
}

/** Starts a server process (`src/main.ts`) on a free port and resolves once it listens. */
export function spawnNode(dataDir: string, env: Record<string, string> = {}): Promise<NodeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      ADMIN_TOKEN,
      JWT_SECRET,
      LOG_LEVEL: 'info',
      ...UNLIMITED_BUDGETS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  readline.createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      output.push(line);
      try {
        const entry = JSON.parse(line) as { url?: string };
        if (entry.url) resolve({ url: entry.url, child, exited, output });
      } catch {
        // not a log line
      }
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`server exited before listening (code ${code}, signal ${signal}):\n${output.join('\n')}`)),
    );
  });
}

/** Sends `signal` and waits for the process to end. */
export async function stopProcess(node: NodeProcess, signal: NodeJS.Signals = 'SIGTERM') {
  if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill(signal);
  return node.exited;
}

/**
 * A `waitForLine` over a child's collected output: resolves with the first line (seen already or still to come,
 * announced on `lines` as 'line' events) that matches; rejects after `timeoutMs` or when the process ends first.
 */
export function lineWaiter(output: string[], lines: EventEmitter, exited: Promise<unknown>) {
  return (match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> => {
    const seen = output.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        lines.off('line', onLine);
      };
      const onLine = (line: string): void => {
        if (!match(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching line within ${timeoutMs} ms:\n${output.join('\n')}`));
      }, timeoutMs);
      lines.on('line', onLine);
      void exited.then(() => {
        done();
        const late = output.find(match);
        if (late !== undefined) resolve(late);
        else reject(new Error(`process ended without a matching line:\n${output.join('\n')}`));
      });
    });
  };
}

/**
 * Commands as an operator types them (`npm run backup -- <file>`, the README's `pg_dump` line): run through the shell
 * from the repository root to their end, with their exit code and output.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `line` with `sh -c` (settings on top of this process's environment) and resolves once it has ended. */
export function runCommand(line: string, env: Record<string, string> = {}): Promise<CommandResult> {
  const child = spawn('sh', ['-c', line], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `line` and resolves with its output; rejects with both outputs unless it exits 0. */
export async function runOk(line: string, env: Record<string, string> = {}): Promise<CommandResult> {
  const result = await runCommand(line, env);
  if (result.code !== 0) throw new Error(`\`${line}\` exited ${result.code}:\n${result.stdout}${result.stderr}`);
  return result;
}

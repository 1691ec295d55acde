/**
 * `npm run demo` as a newcomer runs it: it prints the dashboard, an API key and three tracking links, the fleet
 * moves orders along through the public API, and Ctrl-C stops it cleanly.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { client } from '../support/http';
import { eventually, uniquePrefix } from '../support/live';
import { lineWaiter } from '../support/process';

jest.setTimeout(60_000);

const ROOT = path.resolve(__dirname, '../..');

it('prints where to look, keeps the fleet moving, and stops on Ctrl-C', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/demo/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', REDIS_PREFIX: uniquePrefix('demo') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const lines = new EventEmitter();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      lines.emit('line', line);
    });
  }
  const waitForLine = lineWaiter(output, lines, exited);
  try {
    await waitForLine((line) => line.includes('Ctrl-C stops it'), 30_000);
    const dashboard = /Dashboard:\s+(\S+)/.exec(output.join('\n'))![1]!;
    const apiKey = /Sign in with:\s+(\S+)/.exec(output.join('\n'))![1]!;
    const links = output.map((line) => /(\S+\/track\/(ord_[^?]+)\?token=(\S+))/.exec(line)).filter((m) => m !== null);
    expect(links).toHaveLength(3);

    expect((await fetch(dashboard)).status).toBe(200);
    const base = new URL(dashboard).origin;
    const [, , orderId, token] = links[0]!;
    expect((await client(base, token).get(`/v1/orders/${orderId}`)).status).toBe(200);
    expect((await fetch(links[0]![1]!)).status).toBe(200);

    // The fleet works through the public API: orders go out for delivery and couriers report where they are.
    const biz = client(base, apiKey);
    await eventually(async () => {
      const page = (await biz.get('/v1/orders?status=out_for_delivery&limit=200')).body as { items: Array<{ last_location: unknown }> };
      return page.items.some((order) => order.last_location !== null);
    }, 'an order out for delivery with a courier position', 30_000, 250);
  } finally {
    child.kill('SIGINT');
  }
  expect(await exited).toEqual({ code: 0, signal: null });
});

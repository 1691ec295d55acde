/**
 * Status-post throughput on one node: N orders moved to in_transit, then hub scans (in_transit → in_transit)
 * posted round-robin over them for a fixed duration. The server runs in its own process; this process
 * only generates load.
 *
 *   npm run bench:status -- --orders 2000 --duration 20 --connections 64
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '2000' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '64' },
  },
});
const ORDERS = Number(values.orders);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const ADMIN = 'bench-admin-token-0123456789';

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-status-'));
  const server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: server.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { url?: string };
      if (entry.url) resolve(entry.url);
    });
    server.once('exit', () => reject(new Error('server exited')));
  });
  try {
    const post = async (pathname: string, token: string, body: unknown) => {
      const response = await fetch(url + pathname, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string; api_key: string };
    };
    const { api_key: key } = await post('/v1/tenants', ADMIN, { name: 'Bench' });
    const ids: string[] = [];
    for (let start = 0; start < ORDERS; start += 200) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(200, ORDERS - start) }, (_, i) =>
          post('/v1/orders', key, { customer: { id: `c${start + i}` }, amount: { value: 1000, currency: 'USD' } }),
        ),
      );
      await Promise.all(batch.map((order) => post(`/v1/orders/${order.id}/status`, key, { status: 'in_transit' })));
      ids.push(...batch.map((order) => order.id));
    }
    let next = 0;
    const body = JSON.stringify({ status: 'in_transit', note: 'hub scan' });
    const result = await autocannon({
      url,
      connections: CONNECTIONS,
      duration: DURATION,
      requests: [
        {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, path: `/v1/orders/${ids[next++ % ids.length]}/status`, body }),
        },
      ],
    });
    const applied = result['2xx'];
    const table = {
      orders: ORDERS,
      connections: CONNECTIONS,
      duration_s: DURATION,
      applied_events: applied,
      non_2xx: result.non2xx,
      errors: result.errors,
      events_per_s: Math.round(applied / DURATION),
      latency_p50_ms: result.latency.p50,
      latency_p99_ms: result.latency.p99,
    };
    process.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});

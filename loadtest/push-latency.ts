/**
 * Push latency across two nodes: sockets subscribed on node A, status posts sent to node B; measures the time
 * from sending the POST to the socket receiving the event. Both nodes share one DATA_DIR and one Redis prefix.
 *
 *   npm run bench:push -- --orders 500 --rate 500 --duration 15
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '500' },
    rate: { type: 'string', default: '500' },
    duration: { type: 'string', default: '15' },
  },
});
const ORDERS = Number(values.orders);
const RATE = Number(values.rate);
const DURATION_S = Number(values.duration);
const ADMIN = 'bench-admin-token-0123456789';
const SECRET = 'bench-jwt-secret-0123456789-0123456789-abcdef';

function startNode(dataDir: string, prefix: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ADMIN_TOKEN: ADMIN, JWT_SECRET: SECRET, REDIS_PREFIX: prefix, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { url?: string };
      if (entry.url) resolve({ url: entry.url, child });
    });
    child.once('exit', () => reject(new Error('node exited')));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-push-'));
  const prefix = `bench-${process.pid}`;
  const a = await startNode(dataDir, prefix);
  const b = await startNode(dataDir, prefix);
  const sockets: Socket[] = [];
  try {
    const post = async (url: string, pathname: string, token: string, body: unknown) => {
      const response = await fetch(url + pathname, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
      return (await response.json()) as Record<string, string>;
    };
    const { api_key: key } = await post(a.url, '/v1/tenants', ADMIN, { name: 'Bench' });
    const orders: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < ORDERS; i++) {
      const order = await post(a.url, '/v1/orders', key!, { customer: { id: `c${i}` } });
      await post(a.url, `/v1/orders/${order.id}/status`, key!, { status: 'in_transit' });
      orders.push({ id: order.id!, token: order.tracking_token! });
    }
    const pendingByOrder = new Map<string, number[]>();
    const latencies: number[] = [];
    let received = 0;
    for (const order of orders) {
      const socket = io(a.url, { auth: { token: order.token }, transports: ['websocket'], forceNew: true });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      await new Promise<void>((resolve) => socket.emit('subscribe', { order_id: order.id }, () => resolve()));
      socket.on('order_status_update', (update: { order_id: string }) => {
        const queue = pendingByOrder.get(update.order_id);
        const started = queue?.shift();
        if (started !== undefined) latencies.push(performance.now() - started);
        received++;
      });
    }
    process.stdout.write(`${ORDERS} sockets subscribed on node A; posting ${RATE}/s to node B for ${DURATION_S}s\n`);
    const total = RATE * DURATION_S;
    const started = performance.now();
    let sent = 0;
    let failed = 0;
    const inflight: Promise<void>[] = [];
    while (sent < total) {
      const due = Math.floor(((performance.now() - started) / 1000) * RATE);
      for (; sent < Math.min(due, total); sent++) {
        const order = orders[sent % orders.length]!;
        const queue = pendingByOrder.get(order.id) ?? [];
        pendingByOrder.set(order.id, queue);
        queue.push(performance.now());
        inflight.push(post(b.url, `/v1/orders/${order.id}/status`, key!, { status: 'in_transit' }).then(() => undefined, () => void failed++));
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(inflight);
    const deadline = performance.now() + 5000;
    while (received < total - failed && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    latencies.sort((x, y) => x - y);
    const result = {
      sockets: ORDERS,
      rate_per_s: RATE,
      duration_s: DURATION_S,
      posted: total,
      failed_posts: failed,
      received,
      p50_ms: Number(percentile(latencies, 50).toFixed(1)),
      p90_ms: Number(percentile(latencies, 90).toFixed(1)),
      p99_ms: Number(percentile(latencies, 99).toFixed(1)),
      max_ms: Number((latencies[latencies.length - 1] ?? NaN).toFixed(1)),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    for (const socket of sockets) socket.disconnect();
    for (const node of [a, b]) node.child.kill('SIGTERM');
    await Promise.all([a, b].map((node) => new Promise((resolve) => node.child.once('exit', resolve))));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});

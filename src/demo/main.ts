/**
 * `npm run demo`: one node with a demo tenant and a simulated fleet in Hong Kong (src/demo/fleet.ts, a client of
 * the public API). Prints the dashboard's address, the API key to sign in with, three tracking links and a courier
 * app invite for a round of the runner's own (src/demo/your-round.ts), and runs until Ctrl-C. Settings are the server's (PORT, HOST, REDIS_URL, …); the data lives in a fresh temporary
 * DATA_DIR unless one is given, and is removed on exit. Without Redis it says, in one line, what runs and what waits;
 * the node's log shows errors only unless LOG_LEVEL says otherwise, so nothing else repeats it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../logger';
import { openStore } from '../main';
import { Metrics } from '../metrics';
import { startNode, WITHOUT_REDIS } from '../node';
import { DemoFleet } from './fleet';
import { yourRound } from './your-round';

async function demo(): Promise<void> {
  const ownDataDir = process.env.DATA_DIR ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'tracking-demo-'));
  // Ctrl-C is taken from the first moment, also while the node and the fleet are still starting.
  let node: Awaited<ReturnType<typeof startNode>> | undefined;
  let fleet: DemoFleet | undefined;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    fleet?.stop();
    void (node ? node.stop() : Promise.resolve()).finally(() => {
      if (ownDataDir) fs.rmSync(ownDataDir, { recursive: true, force: true });
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let config;
  try {
    config = loadConfig({ LOG_LEVEL: 'error', ...process.env, ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`configuration error: ${error.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const metrics = new Metrics();
  const store = openStore(config.store, metrics, logger);
  node = await startNode({ config, logger, store, metrics });
  const url = node.url!;
  const links = node.publicUrl;
  const say = (line: string): void => void process.stdout.write(`${line}\n`);

  const tenant = await fetch(`${url}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${node.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Harbour Express (demo)' }),
  }).then((response) => response.json() as Promise<{ api_key: string }>);
  fleet = new DemoFleet({
    url,
    apiKey: tenant.api_key,
    log: process.env.DEMO_VERBOSE ? (line) => say(`  · ${line}`) : undefined,
  });
  const first = await fleet.start();
  const invite = await yourRound(url, tenant.api_key);

  say('');
  say('Demo fleet running in Hong Kong.');
  if (!node.redis.up) say(`  Redis is not reachable (${config.redisCluster ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL'}): ${WITHOUT_REDIS}.`);
  say(`  Dashboard:     ${links}/dashboard`);
  say(`  Sign in with:  ${tenant.api_key}`);
  say('  Tracking links (what a customer gets in an alert):');
  for (const order of first.slice(0, 3)) say(`    ${links}/track/${order.id}?token=${order.tracking_token}`);
  say('  Courier app (a round of your own; the link signs in once within 24 hours):');
  say(`    ${invite}`);
  say('  Ctrl-C stops it.');
  say('');
}

demo().catch((error: unknown) => {
  process.stderr.write(`the demo could not start: ${(error as Error).message}\n`);
  process.exit(1);
});

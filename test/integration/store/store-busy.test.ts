/**
 * Another process holding the embedded store's write lock (two nodes on one file, a backup tool): the node keeps
 * serving while a write waits for it, and a write that cannot get it in time is answered 503 `unavailable` with
 * `Retry-After`, never 500, storing nothing.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { expectError } from '../../support/expect-error';
import { type Client, client } from '../../support/http';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { createTenant } from '../../support/tenant';

jest.setTimeout(30_000);

let server: TestNode;
let biz: Client;
let other: Database.Database;

beforeAll(async () => {
  server = await startTestNode({ env: { STORE_BUSY_TIMEOUT_MS: '1500' } });
  biz = client(server.url, (await createTenant(server.url)).apiKey);
});
beforeEach(() => {
  other = new Database(path.join(server.dataDir, 'tracking.db'));
});
afterEach(() => {
  if (other.inTransaction) other.exec('ROLLBACK');
  other.close();
});
afterAll(() => server.close());

it('a write waits for the lock while the node keeps answering; once the lock is free it is applied', async () => {
  const order = await placeOrder(biz, {});
  other.exec('BEGIN IMMEDIATE');
  const posting = biz.post(`/v1/orders/${order.id}/status`, { status: 'processing' });
  // Reads and health answers are served meanwhile: the event loop is not stuck in SQLite's busy handler.
  for (let i = 0; i < 5; i++) {
    expect((await biz.get('/healthz')).status).toBe(200);
    expect((await biz.get(`/v1/orders/${order.id}`)).body.version).toBe(1);
  }
  other.exec('COMMIT');
  const answer = await posting;
  expect(answer.status).toBe(200);
  expect(answer.body.version).toBe(2);
});

it('a write that cannot get the lock in time is 503 unavailable with Retry-After, and nothing is stored', async () => {
  const order = await placeOrder(biz, {});
  other.exec('BEGIN IMMEDIATE');
  const answer = await biz.post(`/v1/orders/${order.id}/status`, { status: 'processing' });
  expectError(answer, 503, 'unavailable');
  expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  other.exec('ROLLBACK');
  const after = (await biz.get(`/v1/orders/${order.id}`)).body;
  expect(after.version).toBe(1);
  expect(after.history).toHaveLength(1);
  // The order's actor recovers: the same change goes through now.
  expect((await biz.post(`/v1/orders/${order.id}/status`, { status: 'processing' })).status).toBe(200);
});

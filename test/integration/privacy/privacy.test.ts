/**
 * Privacy (API.md "Privacy") end to end, on the embedded store and on PostgreSQL: the export is complete and
 * access-checked; an erasure leaves no trace of the erased values in the database (the SQLite file and its log, read
 * as raw bytes; every text column of every PostgreSQL table), in answers, search, live pushes, Redis, or alerts sent
 * afterwards; counts and the ledger stay; a second erasure changes nothing; the audit trail records both. An erasure
 * that stopped right after erasing the orders leaves no proof picture behind once it is asked again.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import Redis from 'ioredis';
import { PrivacyService } from '../../../src/services/privacy-service';
import { deliveryLog } from '../../support/alerts';
import { eventually } from '../../support/eventually';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { liveCluster } from '../../support/live-fixture';
import type { TestNode } from '../../support/node';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { dropSchema, freshSchema, POSTGRES_URL, postgresEnv } from '../../support/postgres';
import { proofPictures } from '../../support/proof-pictures';
import { closeAllSockets, connectSocket, subscribeOk } from '../../support/sockets';
import { stoppingAfterErasure } from '../../support/stopping-store';
import { createTenant, type Tenant } from '../../support/tenant';
import { type Receiver, registerWebhook, startReceiver } from '../../support/webhooks';

jest.setTimeout(60_000);

let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
});

afterAll(async () => {
  closeAllSockets();
  await receiver?.close();
});

/** A customer whose every personal value is unique to this test, so a search for it finds only what we wrote. */
function person() {
  const tag = unique('p').replace(/[^a-z0-9]/gi, '');
  return {
    id: unique('cust'),
    name: `Ottilie ${tag}`,
    email: `${tag}@secret.example`,
    phone: `+1999${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
    address: `${tag} Secret Street 9`,
    lat: 22.1 + Math.floor(Math.random() * 1e5) / 1e6,
    note: `handed to ${tag} at the door`,
    prefEmail: `pref-${tag}@secret.example`,
  };
}

/** Every value an erasure must remove, as the strings a dump would show them. */
function secrets(who: ReturnType<typeof person>): string[] {
  return [who.name, who.email, who.phone, who.address, String(who.lat), who.note, who.prefEmail, who.phone.replace(/\D/g, '')];
}

describe.each([
  ['SQLite', () => ({ env: {} as Record<string, string>, schema: null as string | null })],
  ['PostgreSQL', () => {
    const schema = freshSchema('priv');
    return { env: postgresEnv(schema), schema };
  }],
] as const)('privacy on %s', (_store, storeEnv) => {
  const area = notifyArea('privacy');
  let server: TestNode;
  let schema: string | null;
  let tenant: Tenant;
  let biz: Client;

  beforeEach(async () => {
    const chosen = storeEnv();
    schema = chosen.schema;
    server = await area.startNode({ ...chosen.env, WEBHOOK_ALLOW_PRIVATE: 'true' });
    tenant = await createTenant(server.url);
    biz = client(server.url, tenant.apiKey);
  });

  const pictures = proofPictures(() => ({ server, biz, schema }));

  // After the node (the fixture stops it first).
  afterEach(async () => {
    if (schema) await dropSchema(schema);
  });

  /** A customer with preferences, three orders (events with notes and places, an email sent, points) and a webhook. */
  async function customerWithHistory() {
    const who = person();
    await registerWebhook(biz, receiver.url, ['order.created', 'order.status_changed']);
    expect((await biz.put(`/v1/customers/${who.id}/preferences`, { email: true, sms: false, email_address: who.prefEmail })).status).toBe(200);
    const orders = [];
    for (let index = 0; index < 3; index++) {
      orders.push(
        await placeOrder(biz, {
          external_id: unique('ext'),
          customer: { id: who.id, name: who.name, email: who.email, phone: who.phone },
          destination: { address: who.address, lat: who.lat, lng: 114.2 },
          amount: { value: 12_300, currency: 'HKD' },
        }),
      );
    }
    const [first] = orders;
    const moved = await biz.post(`/v1/orders/${first!.id}/status`, { status: 'shipped', note: who.note, location: { lat: who.lat, lng: 114.2 } });
    expect(moved.status).toBe(200);
    expect(await area.alerts.outcome(first!.id, 2)).toEqual({ kind: 'sent', channel: 'email' });
    expect((await postStatus(biz, first!.id, 'delivered')).seq).toBe(3);
    await area.alerts.outcome(first!.id, 3);
    await eventually(async () => (await biz.get(`/v1/customers/${who.id}/loyalty`)).body.balance === 123, 'points booked');
    await receiver.waitFor(5, (request) => request.body.data.order?.customer?.id === who.id);
    return { who, orders };
  }

  /** Whether any of `values` is anywhere the store keeps data. */
  async function storeHolds(values: string[]): Promise<string[]> {
    if (schema === null) {
      const found: string[] = [];
      for (const file of fs.readdirSync(server.dataDir).filter((name) => name.startsWith('tracking.db'))) {
        const bytes = fs.readFileSync(path.join(server.dataDir, file));
        for (const value of values) if (bytes.includes(Buffer.from(value))) found.push(`${file}: ${value}`);
      }
      return found;
    }
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    try {
      const { rows: tables } = await db.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
      const found: string[] = [];
      for (const { table_name: table } of tables) {
        // Every column of every row as text, as a dump would write it.
        const { rows } = await db.query<{ row: string }>(`SELECT t::text AS row FROM ${schema}.${table} t`);
        for (const { row } of rows) for (const value of values) if (row.includes(value)) found.push(`${table}: ${value}`);
      }
      return found;
    } finally {
      await db.end();
    }
  }

  /** Whether any of `values` is in a key or value under the test's Redis prefix (queued jobs and their data). */
  async function redisHolds(values: string[]): Promise<string[]> {
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${area.prefix}:*`, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          const type = await redis.type(key);
          const dump = type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : type === 'string' ? await redis.get(key) : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1)) : '';
          for (const value of values) if (dump?.includes(value)) found.push(`${key}: ${value}`);
        }
      } while (cursor !== '0');
      return found;
    } finally {
      redis.disconnect();
    }
  }

  it('exports everything held about the customer, to the business and to that customer only', async () => {
    const { who, orders } = await customerWithHistory();
    const response = await biz.get(`/v1/customers/${who.id}/export`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const exported = response.body;
    expect(exported.customer).toEqual({ id: who.id, name: who.name, email: who.email, phone: who.phone });
    expect(exported.preferences).toMatchObject({ email: true, sms: false, email_address: who.prefEmail });
    const loyalty = (await biz.get(`/v1/customers/${who.id}/loyalty`)).body;
    expect(exported.loyalty).toEqual(loyalty);
    expect(exported.orders.map((order: { id: string }) => order.id).sort()).toEqual(orders.map((order) => order.id).sort());
    for (const order of exported.orders) {
      const read = (await biz.get(`/v1/orders/${order.id}`)).body;
      expect(order).toEqual(read);
    }
    const log = (await Promise.all(orders.map(async (order) => (await deliveryLog(biz, order.id)).map((entry) => ({ order_id: order.id, ...entry }))))).flat();
    expect(exported.notifications).toHaveLength(log.length);
    expect(exported.notifications).toEqual(expect.arrayContaining(log));

    const own = client(server.url, await tenant.token('customer', who.id));
    expect((await own.get(`/v1/customers/${who.id}/export`)).body.orders).toHaveLength(3);
    const someoneElse = client(server.url, await tenant.token('customer', unique('cust')));
    expect((await someoneElse.get(`/v1/customers/${who.id}/export`)).status).toBe(404);
    const other = await createTenant(server.url, 'Other');
    expect((await client(server.url, other.apiKey).get(`/v1/customers/${who.id}/export`)).status).toBe(404);
    expect((await client(server.url, other.apiKey).delete(`/v1/customers/${who.id}/personal-data`)).status).toBe(404);
    expect((await client(server.url, await tenant.token('staff', 's1')).delete(`/v1/customers/${who.id}/personal-data`)).status).toBe(403);
    expect((await own.delete(`/v1/customers/${who.id}/personal-data`)).status).toBe(403);

    const audit = await biz.get('/v1/privacy/audit');
    expect(audit.body.items.map((entry: { action: string; actor: string; customer_id: string; orders: number }) => [entry.action, entry.actor, entry.customer_id, entry.orders])).toEqual([
      ['export', `customer:${who.id}`, who.id, 3],
      ['export', 'business', who.id, 3],
    ]);
  });

  it('erases the customer’s personal data everywhere, keeps orders and points, and does it once', async () => {
    const { who, orders } = await customerWithHistory();
    const values = secrets(who);
    expect(await storeHolds([who.email])).not.toEqual([]); // the search below can find what is there
    const before = (await biz.get(`/v1/orders?customer_id=${who.id}`)).body.items;
    const ledger = (await biz.get(`/v1/customers/${who.id}/loyalty`)).body;

    const erased = await biz.delete(`/v1/customers/${who.id}/personal-data`);
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({ orders: 3 });

    expect(await storeHolds(values)).toEqual([]);
    expect(await redisHolds(values)).toEqual([]);
    for (const order of orders) {
      const read = (await biz.get(`/v1/orders/${order.id}`)).body;
      expect(read.customer).toEqual({ id: who.id });
      expect(read.destination).toBeNull();
      expect(read.last_location).toBeNull();
      for (const event of read.history) expect([event.note, event.location]).toEqual([null, null]);
      const kept = before.find((item: { id: string }) => item.id === order.id);
      expect(read).toMatchObject({ status: kept.status, version: kept.version, amount: kept.amount, created_at: kept.created_at, external_id: kept.external_id });
    }
    expect((await biz.get(`/v1/orders?q=${encodeURIComponent(who.email)}`)).body.items).toEqual([]);
    expect((await biz.get(`/v1/orders?q=${encodeURIComponent(who.name.split(' ')[1]!)}`)).body.items).toEqual([]);
    expect((await biz.get(`/v1/orders?customer_id=${who.id}`)).body.items).toHaveLength(3);
    expect((await biz.get(`/v1/customers/${who.id}/loyalty`)).body).toEqual(ledger);
    const exported = JSON.stringify((await biz.get(`/v1/customers/${who.id}/export`)).body);
    for (const value of values) expect(exported).not.toContain(value);

    // Live: what a watcher is handed comes from the erased records.
    const socket = await connectSocket(server.url, tenant.apiKey);
    const ack = await subscribeOk(socket, orders[0]!.id, 0);
    const pushed = JSON.stringify(ack);
    for (const value of values) expect(pushed).not.toContain(value);

    // An alert due after the erasure goes nowhere, and says why.
    const mailsBefore = area.smtp.messages.length;
    const { seq } = await postStatus(biz, orders[1]!.id, 'shipped');
    expect(await area.alerts.outcome(orders[1]!.id, seq)).toEqual({ kind: 'skipped', reason: 'erased' });
    expect(await deliveryLog(biz, orders[1]!.id)).toEqual([expect.objectContaining({ seq, status: 'skipped', reason: 'erased' })]);
    expect(area.smtp.messages.length).toBe(mailsBefore);
    // The two sent before the erasure (shipped and delivered of the first order), no more.
    expect(area.smtp.messagesTo(who.email).length + area.smtp.messagesTo(who.prefEmail).length).toBe(2);

    // A second erasure finds nothing left.
    expect((await biz.delete(`/v1/customers/${who.id}/personal-data`)).body).toEqual({ orders: 0 });
    expect(await storeHolds(values)).toEqual([]);
    const audit = (await biz.get('/v1/privacy/audit?limit=2')).body;
    expect(audit.items.map((entry: { action: string; orders: number }) => [entry.action, entry.orders])).toEqual([
      ['erasure', 0],
      ['export', 3],
    ]);
    const rest = (await biz.get(`/v1/privacy/audit?limit=2&cursor=${audit.next_cursor}`)).body;
    expect(rest.items.map((entry: { action: string; orders: number }) => [entry.action, entry.orders])).toEqual([['erasure', 3]]);
  });

  it('leaves no picture of the customer’s proofs behind when an erasure stops right after erasing the orders: a repeat finishes', async () => {
    const who = person();
    const delivered = await pictures.deliveredWithProof({ id: who.id, name: who.name });
    pictures.heldEverywhere(await pictures.storeHolds(delivered.pictures), delivered.pictures);

    // The same erasure over a store whose process stops once the orders' erasure is written (nothing after it runs).
    const stopping = new PrivacyService({ store: stoppingAfterErasure(server.node.parts.store), bus: server.node.parts.bus });
    await expect(stopping.erase({ role: 'business', tenantId: tenant.id }, who.id)).rejects.toThrow('the process stopped after erasing orders');
    expect((await server.node.parts.store.orders.loadOrder(delivered.id))?.erased_at).not.toBeNull();

    // Asked again, the erasure finds no order left to erase, and nothing of the pictures is left anywhere.
    const repeated = await biz.delete(`/v1/customers/${who.id}/personal-data`);
    expect([repeated.status, repeated.body]).toEqual([200, { orders: 0 }]);
    expect(await pictures.storeHolds(delivered.pictures)).toEqual([]);
    for (const { id } of delivered.pictures) expect((await biz.get(`/v1/attachments/${id}`)).status).toBe(404);
    expect((await biz.get(`/v1/orders/${delivered.id}`)).body.proof).toBeNull();
  });
});

describe('erasure on a two-node cluster', () => {
  const pair = liveCluster('privacy-pair', { per: 'test' });

  it('drops the other node’s cached actor, so it no longer serves the old values', async () => {
    const tenant = await createTenant(pair.a.url);
    const onA = client(pair.a.url, tenant.apiKey);
    const onB = client(pair.b.url, tenant.apiKey);
    const who = person();
    const order = await placeOrder(onA, { customer: { id: who.id, name: who.name, email: who.email }, destination: { address: who.address } });
    // B's actor now holds the order, customer and all.
    const first = await onB.post(`/v1/orders/${order.id}/status`, { status: 'processing', event_id: 'evt-1' });
    expect(first.body.customer.email).toBe(who.email);
    expect(pair.b.node.parts.orders!.actors.has(order.id)).toBe(true);

    expect((await onA.delete(`/v1/customers/${who.id}/personal-data`)).body).toEqual({ orders: 1 });
    await eventually(() => !pair.b.node.parts.orders!.actors.has(order.id), "B's actor dropped");
    // The same event again is answered by B's actor (a duplicate) from the order as it is now.
    const repeat = await onB.post(`/v1/orders/${order.id}/status`, { status: 'processing', event_id: 'evt-1' });
    expect(repeat.status).toBe(200);
    expect(repeat.body.customer).toEqual({ id: who.id });
    expect(repeat.body.destination).toBeNull();
    const next = await onB.post(`/v1/orders/${order.id}/status`, { status: 'shipped', note: who.note });
    expect(next.body.customer).toEqual({ id: who.id });
    expect(next.body.history ?? []).toEqual([]);
    expect((await onA.get(`/v1/orders/${order.id}`)).body.history.map((event: { note: string | null }) => event.note)).toEqual([null, null, null]);
  });
});

/**
 * The retention sweep (API.md "Privacy") on a running node with its clock turned by the test: with
 * `retention_days` set, a sweep erases the personal data of exactly the orders terminal for longer, on the embedded
 * store and on PostgreSQL, the bytes of their proof-of-delivery pictures included, and the audit trail records it.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { eventually } from '../../support/eventually';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { dropSchema, freshSchema, POSTGRES_URL, postgresEnv } from '../../support/postgres';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

const DAY_MS = 86_400_000;

describe.each([
  ['SQLite', () => null as string | null],
  ['PostgreSQL', () => freshSchema('retain')],
] as const)('retention sweep on %s', (_store, chooseSchema) => {
  let server: TestNode;
  let schema: string | null;
  let biz: Client;
  let clock = Date.now();

  beforeEach(async () => {
    schema = chooseSchema();
    server = await startTestNode({ env: schema ? postgresEnv(schema) : {}, retention: { now: () => new Date(clock), intervalMs: 0 } });
    biz = client(server.url, (await createTenant(server.url)).apiKey);
  });

  afterEach(async () => {
    await server?.close();
    if (schema) await dropSchema(schema);
  });

  /** An order with personal data, moved to `status` (none: left as placed); resolves with its last change time. */
  async function order(status?: string) {
    const name = `Retained ${unique('n')}`;
    const placed = await placeOrder(biz, {
      customer: { id: unique('cust'), name, email: `${unique('e')}@keep.example`, phone: '+15550000123' },
      destination: { address: '1 Keep Road', lat: 22.3, lng: 114.2 },
    });
    if (status) await postStatus(biz, placed.id, status);
    const read = (await biz.get(`/v1/orders/${placed.id}`)).body;
    return { id: placed.id, name, updatedAt: Date.parse(read.updated_at) };
  }

  async function erased(id: string): Promise<boolean> {
    const read = (await biz.get(`/v1/orders/${id}`)).body;
    return read.customer.name === undefined && read.destination === null;
  }

  /** The next order changes at a later millisecond than everything before it: the clock itself is awaited. */
  async function laterThan(ms: number): Promise<void> {
    await eventually(() => Date.now() > ms + 1, `the clock past ${ms + 1}`, 1000, 1);
  }

  it('erases exactly the orders terminal for longer than retention_days, once', async () => {
    expect((await biz.put('/v1/tenants/me/settings', { retention_days: 30 })).status).toBe(200);
    const delivered = await order('delivered');
    const cancelled = await order('cancelled');
    const active = await order('in_transit');
    const placed = await order();
    await laterThan(Math.max(delivered.updatedAt, cancelled.updatedAt));
    const recent = await order('delivered');
    expect(recent.updatedAt).toBeGreaterThan(Math.max(delivered.updatedAt, cancelled.updatedAt));

    // Just under 30 days after the newest terminal order: the two older ones are past the limit, it is not.
    clock = recent.updatedAt + 30 * DAY_MS - 1;
    expect(await server.node.parts.retention.sweep()).toBe(2);
    expect(await erased(delivered.id)).toBe(true);
    expect(await erased(cancelled.id)).toBe(true);
    for (const kept of [recent, active, placed]) {
      expect((await biz.get(`/v1/orders/${kept.id}`)).body.customer.name).toBe(kept.name);
    }
    // Statuses stay.
    expect((await biz.get(`/v1/orders/${delivered.id}`)).body.status).toBe('delivered');

    // The same instant again: nothing left to do. A year on: only the newest terminal order more; active ones never.
    expect(await server.node.parts.retention.sweep()).toBe(0);
    clock = recent.updatedAt + 365 * DAY_MS;
    expect(await server.node.parts.retention.sweep()).toBe(1);
    expect(await erased(recent.id)).toBe(true);
    expect((await biz.get(`/v1/orders/${active.id}`)).body.customer.name).toBe(active.name);
    expect((await biz.get(`/v1/orders/${placed.id}`)).body.customer.name).toBe(placed.name);

    const audit = (await biz.get('/v1/privacy/audit')).body.items as Array<{ action: string; orders: number; actor: string }>;
    expect(audit.filter((entry) => entry.action === 'retention').map((entry) => entry.orders)).toEqual([1, 2]);
  });

  /** A picture of noise (no two alike), uploaded by the business: its id and the bytes the store keeps. */
  async function picture(contentType: 'image/jpeg' | 'image/png'): Promise<{ id: string; bytes: Buffer }> {
    const noise = sharp({ create: { width: 48, height: 32, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } });
    const raw = contentType === 'image/png' ? await noise.png().toBuffer() : await noise.jpeg().toBuffer();
    const uploaded = await biz.post('/v1/attachments', undefined, { rawBody: raw, headers: { 'content-type': contentType } });
    expect(uploaded.status).toBe(201);
    const id = uploaded.body.id as string;
    const bytes = await server.node.parts.store.attachments.readAttachment(id);
    return { id, bytes: Buffer.from(bytes!) };
  }

  /** An order delivered with a photo and a signature; resolves with them and the time of its delivery. */
  async function deliveredWithProof() {
    const placed = await placeOrder(biz, { customer: { id: unique('cust'), name: `Pictured ${unique('n')}` } });
    await postStatus(biz, placed.id, 'out_for_delivery');
    const photo = await picture('image/jpeg');
    const signature = await picture('image/png');
    const delivered = await biz.post(`/v1/orders/${placed.id}/status`, {
      status: 'delivered',
      proof: { photos: [photo.id], signature: signature.id, recipient_name: 'Grace' },
    });
    expect(delivered.status).toBe(200);
    return { id: placed.id, pictures: [photo, signature], updatedAt: Date.parse(delivered.body.updated_at) };
  }

  /** Which of the pictures' bytes are still anywhere the store keeps data (the SQLite file and its log; the table). */
  async function storeHolds(pictures: Array<{ id: string; bytes: Buffer }>): Promise<string[]> {
    const found: string[] = [];
    for (const { id, bytes } of pictures) {
      if (await server.node.parts.store.attachments.readAttachment(id)) found.push(`${id}: readable`);
    }
    if (schema === null) {
      for (const file of fs.readdirSync(server.dataDir).filter((name) => name.startsWith('tracking.db'))) {
        const content = fs.readFileSync(path.join(server.dataDir, file));
        // A stretch from the middle of the picture: compressed noise, found nowhere else.
        for (const { id, bytes } of pictures) if (content.includes(bytes.subarray(bytes.length / 2, bytes.length / 2 + 64))) found.push(`${file}: ${id}`);
      }
      return found;
    }
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string }>(`SELECT id FROM ${schema}.attachments WHERE id = ANY($1)`, [pictures.map((picture) => picture.id)]);
      return [...found, ...rows.map((row) => `attachments: ${row.id}`)];
    } finally {
      await db.end();
    }
  }

  it("takes the bytes of an erased order's proof pictures out of the store; a kept order's stay", async () => {
    expect((await biz.put('/v1/tenants/me/settings', { retention_days: 30 })).status).toBe(200);
    const expired = await deliveredWithProof();
    await laterThan(expired.updatedAt);
    const kept = await deliveredWithProof();
    // Before: each picture is readable, and its bytes are where the search looks (so finding none later means something).
    const before = await storeHolds(expired.pictures);
    for (const { id } of expired.pictures) {
      expect(before).toContain(`${id}: readable`);
      expect(before.filter((line) => line.endsWith(id) && !line.startsWith(id))).not.toEqual([]);
    }
    const links = (await biz.get(`/v1/orders/${expired.id}`)).body.proof;
    expect(links.photos).toHaveLength(1);

    clock = kept.updatedAt + 30 * DAY_MS - 1;
    expect(await server.node.parts.retention.sweep()).toBe(1);
    expect(await erased(expired.id)).toBe(true);
    expect(await storeHolds(expired.pictures)).toEqual([]);
    for (const { id } of expired.pictures) expect((await biz.get(`/v1/attachments/${id}`)).status).toBe(404);
    expect((await fetch(new URL(links.photos[0].url, server.url))).status).toBe(404);
    expect((await biz.get(`/v1/orders/${expired.id}`)).body.proof).toBeNull();

    // The order still within its retention keeps its pictures, byte for byte.
    for (const { id, bytes } of kept.pictures) {
      expect(Buffer.from((await server.node.parts.store.attachments.readAttachment(id))!)).toEqual(bytes);
    }
    expect((await biz.get(`/v1/orders/${kept.id}`)).body.proof.photos).toHaveLength(1);
  });

  it('erases nothing for a tenant without retention_days', async () => {
    const delivered = await order('delivered');
    clock = delivered.updatedAt + 3650 * DAY_MS;
    await server.node.parts.retention.sweep();
    expect(await erased(delivered.id)).toBe(false);
  });
});

/**
 * The retention sweep (API.md "Privacy") on a running node with its clock turned by the test: with
 * `retention_days` set, a sweep erases the personal data of exactly the orders terminal for longer, on the embedded
 * store and on PostgreSQL, the bytes of their proof-of-delivery pictures included (also when a sweep stopped right
 * after erasing the orders), and the audit trail records it. Uploads no proof used go after a day, in every tenant.
 */
import { UNUSED_ATTACHMENT_HOURS, RetentionSweep } from '../../../src/services/retention-sweep';
import { eventually } from '../../support/eventually';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { dropSchema, freshSchema, postgresEnv } from '../../support/postgres';
import { proofPictures } from '../../support/proof-pictures';
import { stoppingAfterErasure } from '../../support/stopping-store';
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

  const { picture, deliveredWithProof, storeHolds, heldEverywhere } = proofPictures(() => ({ server, biz, schema }));

  it("takes the bytes of an erased order's proof pictures out of the store; a kept order's stay", async () => {
    expect((await biz.put('/v1/tenants/me/settings', { retention_days: 30 })).status).toBe(200);
    const expired = await deliveredWithProof();
    await laterThan(expired.updatedAt);
    const kept = await deliveredWithProof();
    // Before: each picture is readable, and its bytes are where the search looks (so finding none later means something).
    heldEverywhere(await storeHolds(expired.pictures), expired.pictures);
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

  it('leaves no picture behind when a sweep stops right after erasing the orders: the next one finishes', async () => {
    expect((await biz.put('/v1/tenants/me/settings', { retention_days: 30 })).status).toBe(200);
    const expired = await deliveredWithProof();
    heldEverywhere(await storeHolds(expired.pictures), expired.pictures);

    clock = expired.updatedAt + 30 * DAY_MS + 1;
    // The same sweep over a store whose process stops once the orders' erasure is written (nothing after it runs).
    const stopping = new RetentionSweep({ store: stoppingAfterErasure(server.node.parts.store), bus: server.node.parts.bus, now: () => new Date(clock), intervalMs: 0 });
    await expect(stopping.sweep()).rejects.toThrow('the process stopped after erasing orders');
    expect((await server.node.parts.store.orders.loadOrder(expired.id))?.erased_at).not.toBeNull();

    // The next sweep finds the order erased already, and nothing of its pictures is left anywhere.
    expect(await server.node.parts.retention.sweep()).toBe(0);
    expect(await storeHolds(expired.pictures)).toEqual([]);
    for (const { id } of expired.pictures) expect((await biz.get(`/v1/attachments/${id}`)).status).toBe(404);
  });

  it('deletes uploads no proof used once they are a day old, in every tenant; newer and used ones stay', async () => {
    // No retention_days: an unused upload belongs to no order to keep.
    const used = await deliveredWithProof();
    const stale = await picture('image/jpeg');
    await laterThan(Date.parse(stale.createdAt));
    const fresh = await picture('image/png');
    expect(Date.parse(fresh.createdAt)).toBeGreaterThan(Date.parse(stale.createdAt));
    heldEverywhere(await storeHolds([stale, fresh, ...used.pictures]), [stale, fresh, ...used.pictures]);

    // A day after its upload, to the millisecond: not older than a day yet.
    clock = Date.parse(stale.createdAt) + UNUSED_ATTACHMENT_HOURS * 3_600_000;
    await server.node.parts.retention.sweep();
    heldEverywhere(await storeHolds([stale]), [stale]);

    // A day after the fresh one: the stale one is older than a day and goes, bytes and all; the fresh one, and the
    // used ones (older still) stay with their order.
    clock = Date.parse(fresh.createdAt) + UNUSED_ATTACHMENT_HOURS * 3_600_000;
    expect(await server.node.parts.retention.sweep()).toBe(0);
    expect(await storeHolds([stale])).toEqual([]);
    expect((await biz.get(`/v1/attachments/${stale.id}`)).status).toBe(404);
    for (const { id, bytes } of [fresh, ...used.pictures]) {
      expect(Buffer.from((await server.node.parts.store.attachments.readAttachment(id))!)).toEqual(bytes);
    }
    expect((await biz.get(`/v1/orders/${used.id}`)).body.proof.photos).toHaveLength(1);
    // The fresh one can still be used in a proof; the stale one no longer.
    const late = await placeOrder(biz);
    await postStatus(biz, late.id, 'out_for_delivery');
    expect((await biz.post(`/v1/orders/${late.id}/status`, { status: 'delivered', proof: { photos: [stale.id] } })).status).toBe(400);
    expect((await biz.post(`/v1/orders/${late.id}/status`, { status: 'delivered', proof: { photos: [fresh.id] } })).status).toBe(200);
  });

  it('erases nothing for a tenant without retention_days', async () => {
    const delivered = await order('delivered');
    clock = delivered.updatedAt + 3650 * DAY_MS;
    await server.node.parts.retention.sweep();
    expect(await erased(delivered.id)).toBe(false);
  });
});

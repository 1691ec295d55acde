import { Webhook } from 'standardwebhooks';
import { expectError } from '../../support/expect-error';
import { type ApiResponse, client, type Client, request } from '../../support/http';
import { unique } from '../../support/ids';
import { liveCluster } from '../../support/live-fixture';
import { startTestNode, type TestNode } from '../../support/node';
import { ADMIN_TOKEN } from '../../support/node-settings';
import { placeOrder } from '../../support/orders';
import { closeAllSockets, collect, connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';
import { iso } from '../../support/time';

/** A source as POST /v1/sources answers it. */
interface CreatedSource {
  id: string;
  name: string;
  status_map: Record<string, string>;
  secret: string;
}

interface Delivery {
  /** The `webhook-id`; a fresh one by default. */
  id?: string;
  /** When it was signed (`webhook-timestamp`). @default now */
  at?: Date;
  /** Signed with this secret instead of the source's. */
  signWith?: string;
  /** Extra signatures before the real one (`webhook-signature` holds several, space-separated). */
  otherSignatures?: string[];
  /** Sent instead of the body that was signed. */
  sendBody?: string;
  headers?: Record<string, string>;
}

/** Posts a batch to a source as a sender using the `standardwebhooks` package would sign it. */
async function deliver(url: string, source: Pick<CreatedSource, 'id' | 'secret'>, body: unknown, delivery: Delivery = {}): Promise<ApiResponse> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const id = delivery.id ?? unique('msg');
  const at = delivery.at ?? new Date();
  const signature = new Webhook(delivery.signWith ?? source.secret).sign(id, at, payload);
  return request(url, 'POST', `/v1/sources/${source.id}/events`, {
    rawBody: delivery.sendBody ?? payload,
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': [...(delivery.otherSignatures ?? []), signature].join(' '),
      ...delivery.headers,
    },
  });
}

const STATUS_MAP = { PU: 'shipped', HUB: 'in_transit', OFD: 'out_for_delivery', DLV: 'delivered', 'X.9': 'on_hold', CXL: 'cancelled' };

describe('inbound sources', () => {
  let server: TestNode;
  let a: Tenant;
  let b: Tenant;
  let bizA: Client;
  let bizB: Client;
  let source: CreatedSource;

  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('sources') } });
    a = await createTenant(server.url, 'A');
    b = await createTenant(server.url, 'B');
    bizA = client(server.url, a.apiKey);
    bizB = client(server.url, b.apiKey);
    source = await createSource(bizA);
  });
  afterAll(async () => {
    closeAllSockets();
    await server.close();
  });

  async function createSource(api: Client, statusMap: Record<string, string> = STATUS_MAP): Promise<CreatedSource> {
    const created = await api.post('/v1/sources', { name: unique('carrier'), status_map: statusMap });
    expect(created.status).toBe(201);
    return created.body as CreatedSource;
  }

  async function history(orderId: string, api: Client = bizA): Promise<Array<Record<string, any>>> {
    const got = await api.get(`/v1/orders/${orderId}`);
    expect(got.status).toBe(200);
    return got.body.history;
  }

  const event = (orderRef: { id: string } | { external_id: string }, code: string, overrides: Record<string, unknown> = {}) => ({
    event_id: unique('ev'),
    order: orderRef,
    code,
    occurred_at: iso(),
    ...overrides,
  });

  describe('managing sources', () => {
    it('creates a source with a whsec_ secret shown once, lists, renames, remaps and removes it', async () => {
      const created = await bizA.post('/v1/sources', { name: 'DHL', status_map: { PU: 'shipped' } });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^src_/),
        name: 'DHL',
        status_map: { PU: 'shipped' },
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const { id } = created.body;

      const listed = await bizA.get('/v1/sources');
      expect(listed.status).toBe(200);
      const mine = (listed.body.items as Array<Record<string, unknown>>).find((item) => item.id === id);
      expect(mine).toEqual({ id, name: 'DHL', status_map: { PU: 'shipped' }, created_at: created.body.created_at, updated_at: created.body.updated_at });
      expect(JSON.stringify(listed.body)).not.toContain('whsec_');

      const renamed = await request(server.url, 'PATCH', `/v1/sources/${id}`, { token: a.apiKey, body: { name: 'DHL Express' } });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id, name: 'DHL Express', status_map: { PU: 'shipped' } });
      expect(renamed.body.secret).toBeUndefined();
      const remapped = await request(server.url, 'PATCH', `/v1/sources/${id}`, { token: a.apiKey, body: { status_map: { D: 'delivered' } } });
      expect(remapped.body).toMatchObject({ name: 'DHL Express', status_map: { D: 'delivered' } });

      // The secret still signs after the changes; once removed, the source's batches are refused as unknown.
      const order = await placeOrder(bizA);
      const before = await deliver(server.url, created.body, { events: [event({ id: order.id }, 'D')] });
      expect(before.body.results).toEqual([expect.objectContaining({ outcome: 'applied', seq: 2 })]);
      expect((await request(server.url, 'DELETE', `/v1/sources/${id}`, { token: a.apiKey })).status).toBe(204);
      expectError(await request(server.url, 'DELETE', `/v1/sources/${id}`, { token: a.apiKey }), 404, 'not_found');
      expect(((await bizA.get('/v1/sources')).body.items as Array<{ id: string }>).map((item) => item.id)).not.toContain(id);
      expectError(await deliver(server.url, created.body, { events: [event({ id: order.id }, 'D')] }), 401, 'unauthorized');
    });

    it.each([
      ['a value that is not a status', { name: 'x', status_map: { PU: 'teleported' } }, 'status_map.PU'],
      ['an empty code', { name: 'x', status_map: { '': 'shipped' } }, 'status_map.'],
      ['more than 200 codes', { name: 'x', status_map: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`C${i}`, 'shipped'])) }, 'status_map'],
      ['no name', { status_map: { PU: 'shipped' } }, 'name'],
      ['an unknown field', { name: 'x', status_map: {}, secret: 'mine' }, ''],
    ])('refuses %s (400 validation_failed)', async (_what, body, path) => {
      const error = expectError(await bizA.post('/v1/sources', body), 400, 'validation_failed');
      expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: path || 'body' })]));
    });

    it('a change must change something, and the map is still checked', async () => {
      const created = await createSource(bizA);
      expectError(await request(server.url, 'PATCH', `/v1/sources/${created.id}`, { token: a.apiKey, body: {} }), 400, 'validation_failed');
      expectError(
        await request(server.url, 'PATCH', `/v1/sources/${created.id}`, { token: a.apiKey, body: { status_map: { PU: 'lost' } } }),
        400,
        'validation_failed',
      );
    });

    it('staff, customers, couriers, trackers and the admin may not manage sources (403)', async () => {
      const order = await placeOrder(bizA);
      const tokens = [await a.token('staff', 's1'), await a.token('customer', 'c1'), await a.token('courier', 'k1'), order.tracking_token, ADMIN_TOKEN];
      for (const token of tokens) {
        expectError(await request(server.url, 'POST', '/v1/sources', { token, body: { name: 'x', status_map: {} } }), 403, 'forbidden');
        expectError(await request(server.url, 'GET', '/v1/sources', { token }), 403, 'forbidden');
        expectError(await request(server.url, 'PATCH', `/v1/sources/${source.id}`, { token, body: { name: 'x' } }), 403, 'forbidden');
        expectError(await request(server.url, 'DELETE', `/v1/sources/${source.id}`, { token }), 403, 'forbidden');
      }
      expectError(await request(server.url, 'GET', '/v1/sources'), 401, 'unauthorized');
    });

    it("another tenant's sources are not found, and not listed", async () => {
      expectError(await request(server.url, 'PATCH', `/v1/sources/${source.id}`, { token: b.apiKey, body: { name: 'taken' } }), 404, 'not_found');
      expectError(await request(server.url, 'DELETE', `/v1/sources/${source.id}`, { token: b.apiKey }), 404, 'not_found');
      expect((await bizB.get('/v1/sources')).body.items).toEqual([]);
      expect(((await bizA.get('/v1/sources')).body.items as Array<{ id: string; name: string }>).find((item) => item.id === source.id)?.name).toBe(source.name);
    });
  });

  describe('signed batches', () => {
    it('mapped codes move the order, are recorded with source provider, and reach a live socket watching it', async () => {
      const order = await placeOrder(bizA, { external_id: unique('shop') });
      const socket = await connectSocket(server.url, order.tracking_token);
      await subscribeOk(socket, order.id);
      const pushed = collect(socket, 'order_status_update', 3);
      const events = [
        event({ id: order.id }, 'PU', { location: { lat: 22.3, lng: 114.2 }, note: 'picked up at the depot' }),
        event({ external_id: order.external_id }, 'HUB'),
        event({ id: order.id }, 'OFD'),
      ];
      const answer = await deliver(server.url, source, { events });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        results: events.map((item, index) => ({ event_id: item.event_id, outcome: 'applied', seq: index + 2 })),
      });
      expect((await pushed).map((update) => [update.seq, update.status])).toEqual([
        [2, 'shipped'],
        [3, 'in_transit'],
        [4, 'out_for_delivery'],
      ]);
      const recorded = (await history(order.id)).slice(1);
      expect(recorded).toEqual(
        events.map((item, index) =>
          expect.objectContaining({
            seq: index + 2,
            event_id: item.event_id,
            type: 'status',
            status: ['shipped', 'in_transit', 'out_for_delivery'][index],
            source: 'provider',
            applied: true,
          }),
        ),
      );
      expect(recorded[0]).toMatchObject({ location: { lat: 22.3, lng: 114.2 }, note: 'picked up at the depot' });
      expect((await bizA.get(`/v1/orders/${order.id}`)).body.status).toBe('out_for_delivery');
    });

    it('each item stands alone: unmapped codes, unknown orders, illegal moves and invalid items are rejected, in input order', async () => {
      const order = await placeOrder(bizA);
      const items = [
        event({ id: order.id }, 'PU'),
        event({ id: order.id }, 'NOPE'),
        event({ id: order.id }, 'constructor'),
        event({ id: 'ord_missing' }, 'HUB'),
        event({ external_id: unique('nobody') }, 'HUB'),
        { order: { id: order.id }, code: 'HUB', occurred_at: iso() },
        event({ id: order.id }, 'HUB', { occurred_at: iso(10 * 60_000) }),
        event({ id: order.id, external_id: 'both' }, 'HUB'),
        42,
        event({ id: order.id }, 'X.9'),
        event({ id: order.id }, 'CXL'),
      ] as Array<Record<string, any>>;
      const answer = await deliver(server.url, source, { events: items });
      expect(answer.status).toBe(200);
      const invalid = (eventId: string | null, path: string) => ({
        event_id: eventId,
        outcome: 'rejected',
        error: { code: 'validation_failed', message: expect.any(String), details: expect.arrayContaining([expect.objectContaining({ path })]) },
      });
      const refused = (index: number, code: string) => ({ event_id: items[index]!.event_id, outcome: 'rejected', error: { code, message: expect.any(String) } });
      expect(answer.body.results).toEqual([
        { event_id: items[0]!.event_id, outcome: 'applied', seq: 2 },
        refused(1, 'unmapped_code'),
        refused(2, 'unmapped_code'),
        refused(3, 'not_found'),
        refused(4, 'not_found'),
        invalid(null, 'event_id'),
        invalid(items[6]!.event_id, 'occurred_at'),
        invalid(items[7]!.event_id, 'order'),
        invalid(null, ''),
        { event_id: items[9]!.event_id, outcome: 'applied', seq: 3 },
        refused(10, 'illegal_transition'),
      ]);
      expect((await history(order.id)).map((item) => item.status)).toEqual(['placed', 'shipped', 'on_hold']);
    });

    it('late and duplicate rules hold as for any event: an older event is late, a known event id a duplicate', async () => {
      const order = await placeOrder(bizA);
      const first = event({ id: order.id }, 'HUB');
      expect((await deliver(server.url, source, { events: [first] })).body.results[0]).toMatchObject({ outcome: 'applied', seq: 2 });
      const late = event({ id: order.id }, 'PU', { occurred_at: iso(-60 * 60_000) });
      const again = { ...first, occurred_at: iso() };
      const answer = await deliver(server.url, source, { events: [late, again] });
      expect(answer.body.results).toEqual([
        { event_id: late.event_id, outcome: 'late', seq: null },
        { event_id: first.event_id, outcome: 'duplicate', seq: 2 },
      ]);
      const recorded = await history(order.id);
      // History is in occurred_at order: the late event happened before the placement.
      expect(recorded.map((item) => [item.status, item.applied, item.source])).toEqual([
        ['shipped', false, 'provider'],
        ['placed', true, 'business'],
        ['in_transit', true, 'provider'],
      ]);
    });

    it("another tenant's order is not found, by id or by external id, and stays as it was", async () => {
      const theirs = await placeOrder(bizB, { external_id: unique('b-shop') });
      // The same external id in tenant A too: the source must find A's, never B's.
      const ours = await placeOrder(bizA, { external_id: theirs.external_id });
      const items = [event({ id: theirs.id }, 'PU'), event({ external_id: theirs.external_id }, 'PU')];
      const answer = await deliver(server.url, source, { events: items });
      expect(answer.body.results).toEqual([
        { event_id: items[0]!.event_id, outcome: 'rejected', error: { code: 'not_found', message: expect.any(String) } },
        { event_id: items[1]!.event_id, outcome: 'applied', seq: 2 },
      ]);
      expect((await history(theirs.id, bizB)).map((item) => item.status)).toEqual(['placed']);
      expect((await history(ours.id)).map((item) => item.status)).toEqual(['placed', 'shipped']);
    });

    it('a bad signature, a stale or future timestamp, a tampered body, missing headers or an unknown source: the same 401, nothing recorded', async () => {
      const order = await placeOrder(bizA);
      const other = await createSource(bizA);
      const body = { events: [event({ id: order.id }, 'PU')] };
      const id = unique('msg');
      const refusals = [
        await deliver(server.url, source, body, { id, signWith: other.secret }),
        await deliver(server.url, source, body, { id, at: new Date(Date.now() - 6 * 60_000) }),
        await deliver(server.url, source, body, { id, at: new Date(Date.now() + 6 * 60_000) }),
        await deliver(server.url, source, body, { id, sendBody: JSON.stringify({ events: [event({ id: order.id }, 'DLV')] }) }),
        await deliver(server.url, source, body, { id, headers: { 'webhook-signature': 'v1,' } }),
        await deliver(server.url, source, body, { id, headers: { 'webhook-timestamp': '' } }),
        await deliver(server.url, { id: 'src_0000000000nosuchsource00000', secret: source.secret }, body, { id }),
        await deliver(server.url, { id: other.id, secret: source.secret }, body, { id }),
      ];
      for (const refused of refusals) {
        expectError(refused, 401, 'unauthorized');
        expect(refused.body).toEqual(refusals[0]!.body);
      }
      expect((await history(order.id)).map((item) => item.status)).toEqual(['placed']);
      // Nothing was recorded under the webhook id either: the genuine delivery is processed, not answered from a record.
      expect((await deliver(server.url, source, body, { id })).body.results).toEqual([{ event_id: body.events[0]!.event_id, outcome: 'applied', seq: 2 }]);
    });

    it('verifies when any of several space-separated signatures is right (a sender rotating its secret)', async () => {
      const order = await placeOrder(bizA);
      const stale = new Webhook(`whsec_${Buffer.from('an old secret, long enough').toString('base64')}`).sign('x', new Date(), 'y');
      const answer = await deliver(server.url, source, { events: [event({ id: order.id }, 'PU')] }, { otherSignatures: ['v2,abc', stale] });
      expect(answer.status).toBe(200);
      expect(answer.body.results[0].outcome).toBe('applied');
    });

    it('a repeated webhook-id gets the first answer and records nothing new, whatever it carries', async () => {
      const order = await placeOrder(bizA);
      const id = unique('msg');
      const body = { events: [event({ id: order.id }, 'PU'), event({ id: order.id }, 'NOPE')] };
      const first = await deliver(server.url, source, body, { id });
      expect(first.status).toBe(200);
      // Later, signed afresh (a sender's retry), and once with other events under the same id.
      const retried = await deliver(server.url, source, body, { id, at: new Date(Date.now() + 2000) });
      const reused = await deliver(server.url, source, { events: [event({ id: order.id }, 'DLV')] }, { id });
      expect(retried).toMatchObject({ status: 200, body: first.body });
      expect(reused).toMatchObject({ status: 200, body: first.body });
      expect((await history(order.id)).map((item) => item.status)).toEqual(['placed', 'shipped']);
      // The same id from another source is another message.
      const other = await createSource(bizA, { DONE: 'delivered' });
      expect((await deliver(server.url, other, { events: [event({ id: order.id }, 'DONE')] }, { id })).body.results[0].outcome).toBe('applied');
    });

    it('two deliveries of one webhook-id at once: the batch is applied once and both get its answer', async () => {
      const orders = await Promise.all(Array.from({ length: 20 }, () => placeOrder(bizA)));
      const id = unique('msg');
      const body = { events: orders.map((order) => event({ id: order.id }, 'PU')) };
      const [one, two] = await Promise.all([deliver(server.url, source, body, { id }), deliver(server.url, source, body, { id })]);
      expect(one.status).toBe(200);
      expect(two).toMatchObject({ status: 200, body: one.body });
      expect(one.body.results.every((result: { outcome: string }) => result.outcome === 'applied')).toBe(true);
      for (const order of orders) expect((await history(order.id)).map((item) => item.event_id)).toHaveLength(2);
    });

    it('a signed body that is not JSON, or not a batch, is 400 and leaves no record under its webhook id', async () => {
      const order = await placeOrder(bizA);
      const id = unique('msg');
      expectError(await deliver(server.url, source, '{"events": [', { id }), 400, 'invalid_json');
      expectError(await deliver(server.url, source, { events: [] }, { id }), 400, 'validation_failed');
      expectError(await deliver(server.url, source, { events: Array.from({ length: 501 }, () => ({})) }, { id }), 400, 'validation_failed');
      expectError(await deliver(server.url, source, { events: [event({ id: order.id }, 'PU')], extra: 1 }, { id }), 400, 'validation_failed');
      const good = await deliver(server.url, source, { events: [event({ id: order.id }, 'PU')] }, { id });
      expect(good.body.results[0]).toMatchObject({ outcome: 'applied', seq: 2 });
    });

    it('is described in /openapi.json: signed, no bearer token, the batch body and the scan-shaped results', async () => {
      const document = (await request(server.url, 'GET', '/openapi.json')).body;
      const events = document.paths['/v1/sources/{id}/events'].post;
      expect(events.security).toEqual([]);
      expect(events.requestBody.description).toMatch(/webhook-signature/);
      expect(events.requestBody.content['application/json'].schema.properties.events.maxItems).toBe(500);
      expect(Object.keys(events.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '413', '429']));
      expect(document.paths['/v1/sources'].post['x-roles']).toEqual(['business']);
      expect(document.paths['/v1/sources'].get).toBeDefined();
      expect(document.paths['/v1/sources/{id}'].patch.requestBody).toBeDefined();
      expect(document.paths['/v1/sources/{id}'].delete.responses['204']).toBeDefined();
    });
  });
});

describe('inbound sources: the anonymous budget', () => {
  let server: TestNode;
  let biz: Client;

  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('sources-budget'), RATE_LIMIT_ANON: '5/min' } });
    biz = client(server.url, (await createTenant(server.url)).apiKey);
  });
  afterAll(() => server.close());

  it('a flood of bad signatures is refused with 429 once the address has spent its budget; a signed batch still goes in', async () => {
    const source = (await biz.post('/v1/sources', { name: 'flooded', status_map: { PU: 'shipped' } })).body as CreatedSource;
    const order = await placeOrder(biz);
    const body = { events: [{ event_id: unique('ev'), order: { id: order.id }, code: 'PU', occurred_at: iso() }] };
    const forged = `whsec_${Buffer.from('not the secret of this source').toString('base64')}`;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) statuses.push((await deliver(server.url, source, body, { signWith: forged })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const refused = await deliver(server.url, source, body, { signWith: forged });
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // The forged ones changed nothing; the source's own signature is not an anonymous call.
    const genuine = await deliver(server.url, source, body);
    expect(genuine.status).toBe(200);
    expect(genuine.body.results[0]).toMatchObject({ outcome: 'applied', seq: 2 });
  });
});

describe('inbound sources on two nodes sharing a store', () => {
  const pair = liveCluster('sources-pair');

  it('one webhook-id delivered to both nodes at once is applied once, and both answer the same', async () => {
    const { apiKey } = await createTenant(pair.a.url);
    const biz = client(pair.a.url, apiKey);
    const source = (await biz.post('/v1/sources', { name: 'twice', status_map: { PU: 'shipped' } })).body as CreatedSource;
    const orders = await Promise.all(Array.from({ length: 30 }, () => placeOrder(biz)));
    const id = unique('msg');
    const body = { events: orders.map((order) => ({ event_id: unique('ev'), order: { id: order.id }, code: 'PU', occurred_at: iso() })) };
    const [one, two] = await Promise.all([deliver(pair.a.url, source, body, { id }), deliver(pair.b.url, source, body, { id })]);
    expect(one.status).toBe(200);
    expect(two).toMatchObject({ status: 200, body: one.body });
    expect(new Set(one.body.results.map((result: { outcome: string }) => result.outcome))).toEqual(new Set(['applied']));
    for (const order of orders) {
      const seen = await client(pair.b.url, apiKey).get(`/v1/orders/${order.id}`);
      expect(seen.body.history.map((event: { source: string }) => event.source)).toEqual(['business', 'provider']);
    }
  });
});

/**
 * Courier records (API.md "Courier records"): the records (create, list by active and cursor, read, change), who may
 * manage them, one-time invites that sign the courier app in (used, expired and concurrent spends), what a courier
 * reads of itself (its record, its day's orders in order), assignment to an inactive courier, and deactivation on a
 * two-node cluster: the courier's every token refused on both nodes at once and its socket cut on the other node,
 * a token minted while it is inactive refused too, reactivation letting a new token in; a node started later reads
 * the inactive couriers from the store.
 */
import { eventually } from '../../support/eventually';
import { expectError } from '../../support/expect-error';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { liveCluster } from '../../support/live-fixture';
import { startTestNode, type TestNode } from '../../support/node';
import { assignCourier, placeOrder, postStatus } from '../../support/orders';
import { dropPrefix } from '../../support/redis-keys';
import { connectSocket, handshake, type LiveSocket } from '../../support/sockets';
import { removeDir, tempDir } from '../../support/temp-dir';
import { createTenant, type Tenant } from '../../support/tenant';
import { iso } from '../../support/time';

jest.setTimeout(60_000);

const HOUR = 3600_000;

describe('on one node', () => {
  let server: TestNode;
  let tenant: Tenant;
  let biz: Client;
  // The node's courier clock runs this far ahead of the system clock (invite expiry, the courier's 24 hours).
  let shift = 0;
  beforeAll(async () => {
    server = await startTestNode({ courierClock: () => new Date(Date.now() + shift) });
    tenant = await createTenant(server.url);
    biz = client(server.url, tenant.apiKey);
  });
  afterAll(() => server.close());
  afterEach(() => {
    shift = 0;
  });

  const createCourier = async (body: Record<string, unknown>) => {
    const created = await biz.post('/v1/couriers', body);
    expect(created.status).toBe(201);
    return created.body;
  };
  const sessionOf = (invite: string) => client(server.url).post('/v1/courier-sessions', { invite });
  const inviteFor = async (courierId: string) => {
    const invited = await biz.post(`/v1/couriers/${courierId}/invites`);
    expect(invited.status).toBe(201);
    return invited.body as { code: string; url: string; expires_at: string };
  };

  it('creates, lists by active and cursor, reads and changes records; an id that exists is 409 already_exists', async () => {
    const prefix = unique('crud');
    const created = await createCourier({ id: `${prefix}-1`, name: 'Kim', phone: '+85291234567', vehicle: 'bike' });
    expect(created).toEqual({
      id: `${prefix}-1`,
      name: 'Kim',
      phone: '+85291234567',
      vehicle: 'bike',
      active: true,
      created_at: expect.any(String),
      last_location: null,
      last_seen_at: null,
      active_orders: 0,
    });
    await createCourier({ id: `${prefix}-2`, name: 'Lee' });
    await createCourier({ id: `${prefix}-3`, name: 'Mo' });
    expectError(await biz.post('/v1/couriers', { id: `${prefix}-1`, name: 'Again' }), 409, 'already_exists');
    expectError(await biz.post('/v1/couriers', { id: 'me', name: 'Me' }), 400, 'validation_failed');
    expectError(await biz.post('/v1/couriers', { id: `${prefix}-4` }), 400, 'validation_failed');
    expect((await biz.get(`/v1/couriers/${prefix}-1`)).body).toEqual(created);
    expectError(await biz.get(`/v1/couriers/${prefix}-9`), 404, 'not_found');

    const changed = await biz.patch(`/v1/couriers/${prefix}-2`, { name: 'Lee Ka', phone: '+85290000000', active: false });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: `${prefix}-2`, name: 'Lee Ka', phone: '+85290000000', vehicle: null, active: false });
    expect((await biz.patch(`/v1/couriers/${prefix}-1`, { vehicle: null })).body).toMatchObject({ name: 'Kim', vehicle: null });
    expectError(await biz.patch(`/v1/couriers/${prefix}-9`, { name: 'X' }), 404, 'not_found');

    const ids = (body: { items: Array<{ id: string }> }) => body.items.map((item) => item.id).filter((id) => id.startsWith(prefix));
    const first = await biz.get('/v1/couriers?limit=2');
    expect(first.status).toBe(200);
    const all: string[] = [];
    let page = first.body;
    for (;;) {
      all.push(...ids(page));
      if (!page.next_cursor) break;
      page = (await biz.get(`/v1/couriers?limit=2&cursor=${page.next_cursor}`)).body;
    }
    expect(all).toEqual([`${prefix}-1`, `${prefix}-2`, `${prefix}-3`]);
    expect(ids((await biz.get('/v1/couriers?active=false')).body)).toEqual([`${prefix}-2`]);
    expect(ids((await biz.get('/v1/couriers?active=true')).body)).toEqual([`${prefix}-1`, `${prefix}-3`]);
    expectError(await biz.get('/v1/couriers?cursor=nonsense'), 400, 'validation_failed');
  });

  it('lets the business and staff manage records; customers, couriers and trackers are 403; another tenant sees 404', async () => {
    const id = unique('roles');
    const staff = client(server.url, await tenant.token('staff', unique('staff')));
    expect((await staff.post('/v1/couriers', { id, name: 'Staffed' })).status).toBe(201);
    expect((await staff.get(`/v1/couriers/${id}`)).status).toBe(200);
    expect((await staff.post(`/v1/couriers/${id}/invites`)).status).toBe(201);
    const order = await placeOrder(biz);
    const callers = [
      client(server.url, await tenant.token('customer', unique('cust'))),
      client(server.url, await tenant.token('courier', id)),
      client(server.url, order.tracking_token),
    ];
    for (const caller of callers) {
      expectError(await caller.post('/v1/couriers', { id: unique('x'), name: 'No' }), 403, 'forbidden');
      expectError(await caller.get('/v1/couriers'), 403, 'forbidden');
      expectError(await caller.get(`/v1/couriers/${id}`), 403, 'forbidden');
      expectError(await caller.patch(`/v1/couriers/${id}`, { active: false }), 403, 'forbidden');
      expectError(await caller.post(`/v1/couriers/${id}/invites`), 403, 'forbidden');
    }
    const other = client(server.url, (await createTenant(server.url, 'Other')).apiKey);
    expectError(await other.get(`/v1/couriers/${id}`), 404, 'not_found');
    expectError(await other.patch(`/v1/couriers/${id}`, { active: false }), 404, 'not_found');
    expectError(await other.post(`/v1/couriers/${id}/invites`), 404, 'not_found');
    expect((await other.get('/v1/couriers')).body.items).toEqual([]);
    expect((await biz.get(`/v1/couriers/${id}`)).body.active).toBe(true);
  });

  it('signs the courier app in with an invite once: its token works for the courier routes and me; a second use is 401', async () => {
    const id = unique('inv');
    await createCourier({ id, name: 'Invited' });
    const invite = await inviteFor(id);
    expect(invite.url).toBe(`${server.url}/courier/#invite=${invite.code}`);
    expect(Date.parse(invite.expires_at) - Date.now()).toBeGreaterThan(23 * HOUR);
    expect(Date.parse(invite.expires_at) - Date.now()).toBeLessThanOrEqual(24 * HOUR);

    const session = await sessionOf(invite.code);
    expect(session.status).toBe(201);
    expect(session.body).toMatchObject({ token: expect.any(String), expires_at: expect.any(String), courier: { id, name: 'Invited', active: true } });
    expect(Date.parse(session.body.expires_at) - Date.now()).toBeGreaterThan(29 * 24 * HOUR);
    const courier = client(server.url, session.body.token);
    expect((await courier.get('/v1/couriers/me')).body).toMatchObject({ id, name: 'Invited' });
    expect((await courier.post('/v1/couriers/me/location', { lat: 22.3, lng: 114.2 })).status).toBe(204);
    expect((await courier.get('/v1/couriers/me/orders')).body).toEqual({ items: [] });
    // The position is kept on the record (written with the next coalesced flush).
    const seen = await eventually(async () => {
      const record = (await biz.get(`/v1/couriers/${id}`)).body;
      return record.last_seen_at ? record : null;
    }, 'the courier last seen');
    expect(seen.last_location).toEqual({ lat: 22.3, lng: 114.2, at: seen.last_seen_at });

    expectError(await sessionOf(invite.code), 401, 'unauthorized');
    expectError(await sessionOf('not-a-code'), 401, 'unauthorized');
    expectError(await client(server.url).post('/v1/courier-sessions', {}), 400, 'validation_failed');
    expectError(await biz.post(`/v1/couriers/${unique('none')}/invites`), 404, 'not_found');
  });

  it('refuses an invite after its 24 hours', async () => {
    const id = unique('exp');
    await createCourier({ id, name: 'Late' });
    const invite = await inviteFor(id);
    shift = 24 * HOUR + 1000;
    expectError(await sessionOf(invite.code), 401, 'unauthorized');
    shift = 0;
    const fresh = await inviteFor(id);
    shift = 23 * HOUR;
    expect((await sessionOf(fresh.code)).status).toBe(201);
  });

  it('gives one invite to exactly one of two concurrent sign-ins', async () => {
    const id = unique('race');
    await createCourier({ id, name: 'Racer' });
    const invite = await inviteFor(id);
    const answers = await Promise.all([sessionOf(invite.code), sessionOf(invite.code)]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 401]);
  });

  it('keeps a courier token without a record working (me is 404); assignment to an inactive courier is 409 courier_inactive', async () => {
    const loose = unique('loose');
    const courier = client(server.url, await tenant.token('courier', loose));
    expectError(await courier.get('/v1/couriers/me'), 404, 'not_found');
    const order = await placeOrder(biz);
    await assignCourier(biz, order.id, loose);
    expect((await courier.get('/v1/couriers/me/orders')).body.items.map((item: { id: string }) => item.id)).toEqual([order.id]);

    const resting = unique('rest');
    await createCourier({ id: resting, name: 'Resting' });
    await biz.patch(`/v1/couriers/${resting}`, { active: false });
    expectError(await biz.post(`/v1/orders/${order.id}/assign`, { courier_id: resting }), 409, 'courier_inactive');
    expect((await biz.get(`/v1/orders/${order.id}`)).body.courier_id).toBe(loose);
    // An inactive courier's invite does not sign in.
    const invite = await inviteFor(resting);
    expectError(await sessionOf(invite.code), 401, 'unauthorized');
    await biz.patch(`/v1/couriers/${resting}`, { active: true });
    await assignCourier(biz, order.id, resting);
  });

  it("lists the courier's open orders and those delivered in the last 24 hours, by promised_by (none last) then created_at", async () => {
    const id = unique('day');
    await createCourier({ id, name: 'Day' });
    const place = async (fields: Record<string, unknown> = {}, courierId = id) => {
      const order = await placeOrder(biz, { customer: { id: unique('cust'), name: 'Ada', phone: '+85291111111' }, destination: { address: '1 Harbour Rd' }, ...fields });
      await assignCourier(biz, order.id, courierId);
      return order.id;
    };
    const later = await place({ promised_by: iso(3 * HOUR) });
    const sooner = await place({ promised_by: iso(HOUR) });
    const open = await place();
    const delivered = await place();
    await postStatus(biz, delivered, 'delivered');
    const cancelled = await place();
    await postStatus(biz, cancelled, 'cancelled');
    await place({}, unique('other'));
    const failed = await place();
    await postStatus(biz, failed, 'out_for_delivery');
    await postStatus(biz, failed, 'failed_attempt');

    const courier = client(server.url, await tenant.token('courier', id));
    const mine = await courier.get('/v1/couriers/me/orders');
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((item: { id: string }) => item.id)).toEqual([sooner, later, open, delivered, failed]);
    expect(mine.body.items[0]).toMatchObject({ customer: { name: 'Ada', phone: '+85291111111' }, destination: { address: '1 Harbour Rd' }, courier_id: id });
    expect((await biz.get(`/v1/couriers/${id}`)).body.active_orders).toBe(4);

    shift = 25 * HOUR;
    expect((await courier.get('/v1/couriers/me/orders')).body.items.map((item: { id: string }) => item.id)).toEqual([sooner, later, open, failed]);
    expectError(await biz.get('/v1/couriers/me/orders'), 403, 'forbidden');
  });
});

describe('deactivation on a two-node cluster', () => {
  let a: TestNode;
  let b: TestNode;
  let tenant: Tenant;
  let biz: Client;
  liveCluster('couriers', { tenant: 'Acme', ready: (started) => ({ a, b, tenant, biz } = started) });

  const readOwn = async (node: TestNode, token: string) => (await client(node.url, token).get('/v1/couriers/me')).status;
  const cut = (socket: LiveSocket) => new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));

  it("refuses the courier's every token on both nodes at once and cuts its socket on the other node, until it is active again", async () => {
    const id = unique('off');
    expect((await biz.post('/v1/couriers', { id, name: 'Off' })).status).toBe(201);
    const before = await tenant.token('courier', id);
    const bystander = await tenant.token('courier', unique('by'));
    for (const node of [a, b]) expect(await readOwn(node, before)).toBe(200);
    const onB = await connectSocket(b.url, before);
    const otherOnB = await connectSocket(b.url, bystander);
    const cutOnB = cut(onB);

    expect((await biz.patch(`/v1/couriers/${id}`, { active: false })).body.active).toBe(false);
    // At once: no waiting for either node to catch up.
    for (const node of [a, b]) expectError(await client(node.url, before).get('/v1/couriers/me'), 401, 'unauthorized');
    expect(await cutOnB).toBe('io server disconnect');
    expect(otherOnB.connected).toBe(true);
    const during = await tenant.token('courier', id);
    for (const node of [a, b]) {
      expectError(await client(node.url, during).get('/v1/couriers/me'), 401, 'unauthorized');
      expectError(await client(node.url, during).post('/v1/couriers/me/location', { lat: 1, lng: 1 }), 401, 'unauthorized');
      expect(await handshake(node.url, during)).toBe('unauthorized');
    }

    expect((await client(b.url, tenant.apiKey).patch(`/v1/couriers/${id}`, { active: true })).body.active).toBe(true);
    const after = await tenant.token('courier', id);
    for (const node of [a, b]) {
      expect(await readOwn(node, after)).toBe(200);
      expect(await handshake(node.url, after)).toBe('connected');
      // The tokens of before the deactivation stay refused.
      expect(await readOwn(node, before)).toBe(401);
    }
  });

  it('is known to a node that starts after it (read from the store), and its end likewise', async () => {
    const prefix = unique('couriers-late');
    const dataDir = tempDir();
    const first = await startTestNode({ dataDir, env: { REDIS_PREFIX: prefix } });
    try {
      const acme = await createTenant(first.url);
      const id = unique('late');
      expect((await client(first.url, acme.apiKey).post('/v1/couriers', { id, name: 'Late' })).status).toBe(201);
      expect((await client(first.url, acme.apiKey).patch(`/v1/couriers/${id}`, { active: false })).status).toBe(200);
      const during = await acme.token('courier', id);
      const second = await startTestNode({ dataDir, env: { REDIS_PREFIX: prefix } });
      try {
        expect(await readOwn(second, during)).toBe(401);
        expect((await client(second.url, acme.apiKey).patch(`/v1/couriers/${id}`, { active: true })).status).toBe(200);
        const after = await acme.token('courier', id);
        for (const node of [first, second]) expect(await readOwn(node, after)).toBe(200);
      } finally {
        await second.close({ keepData: true });
      }
    } finally {
      await first.close({ keepData: true });
      removeDir(dataDir);
      await dropPrefix(prefix);
    }
  });
});

/**
 * Reports over HTTP (API.md "Reports", and `promised_by` in "Orders"): the summary's figures on a crafted set of
 * orders, the CSV export's exact rows, that the export is streamed and stops when its client leaves, roles,
 * tenants and bad input.
 */
import http from 'node:http';
import type { ExportedOrder, OrderFilter } from '../../../src/store/search/port';
import { expectError } from '../../support/expect-error';
import { type Client, client } from '../../support/http';
import { startTestNode, type TestNode } from '../../support/node';
import { ADMIN_TOKEN } from '../../support/node-settings';
import { allOrderIds, placeOrder, postStatus } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let server: TestNode;
beforeAll(async () => {
  server = await startTestNode();
});
afterAll(() => server.close());

const DAY_MS = 24 * 3600_000;
const plus = (time: string, ms: number) => new Date(Date.parse(time) + ms).toISOString();
const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

/** Posts a status change (`status` and the event's other fields) that must be applied; returns the order. */
async function post(api: Client, orderId: string, { status, ...fields }: { status: string } & Record<string, unknown>): Promise<Record<string, any>> {
  const posted = await postStatus(api, orderId, status, fields);
  expect(posted.outcome).toBe('applied');
  return posted.order;
}

async function assign(api: Client, orderId: string, courierId: string): Promise<void> {
  expect((await api.post(`/v1/orders/${orderId}/assign`, { courier_id: courierId })).status).toBe(200);
}

/** The order as its business reads it now. */
async function read(api: Client, orderId: string): Promise<Record<string, any>> {
  return (await api.get(`/v1/orders/${orderId}`)).body;
}

describe('promised_by on orders', () => {
  let tenant: Tenant;
  let biz: Client;
  beforeAll(async () => {
    tenant = await createTenant(server.url, 'Promises');
    biz = client(server.url, tenant.apiKey);
  });

  it('is taken at placement, normalised to UTC, and part of the order everywhere', async () => {
    // Next year's 2 January, 18:30 in Hong Kong.
    const year = new Date().getUTCFullYear() + 1;
    const placed = await placeOrder(biz, { promised_by: `${year}-01-02T18:30:00+08:00` });
    const utc = `${year}-01-02T10:30:00.000Z`;
    expect(placed.promised_by).toBe(utc);
    expect((await read(biz, placed.id)).promised_by).toBe(utc);
    const moved = await post(biz, placed.id, { status: 'processing' });
    expect(moved.promised_by).toBe(utc);
    // Not promised: null. Internal projections stay internal.
    const plain = await placeOrder(biz);
    expect(plain.promised_by).toBeNull();
    for (const field of ['delivered_at', 'failed_attempts', 'last_event_at', 'held_at', 'rev']) expect(placed).not.toHaveProperty(field);
  });

  it('refuses a promise that is not a time or more than 2 years ahead; a past one is fine (imports)', async () => {
    const bad = async (promisedBy: unknown) =>
      expectError(await biz.post('/v1/orders', { customer: { id: 'c1' }, promised_by: promisedBy }), 400, 'validation_failed');
    expect((await bad('tomorrow')).details).toEqual([expect.objectContaining({ path: 'promised_by' })]);
    await bad('2026-01-02T10:30:00'); // no zone
    await bad(new Date(Date.now() + 3 * 366 * DAY_MS).toISOString());
    expect((await placeOrder(biz, { promised_by: '2020-01-01T00:00:00Z' })).promised_by).toBe('2020-01-01T00:00:00.000Z');
  });

  it('filters searches with promised_from / promised_to, bounds included, unpromised orders never matching', async () => {
    const other = client(server.url, (await createTenant(server.url, 'Filters')).apiKey);
    // Hours of one day next month.
    const day = new Date(startOfDay(Date.now()) + 30 * DAY_MS).toISOString().slice(0, 10);
    const at = (hour: number) => `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
    const early = await placeOrder(other, { promised_by: at(8) });
    const middle = await placeOrder(other, { promised_by: at(12) });
    const late = await placeOrder(other, { promised_by: at(16) });
    await placeOrder(other);
    await post(other, middle.id, { status: 'delivered' });
    expect(await allOrderIds(other, `promised_to=${at(12)}`)).toEqual([middle.id, early.id]);
    expect(await allOrderIds(other, `promised_from=${encodeURIComponent(`${day}T20:00:00+08:00`)}`)).toEqual([late.id, middle.id]);
    expect(await allOrderIds(other, `promised_from=${at(9)}&promised_to=${at(15)}`)).toEqual([middle.id]);
    // The dashboard's exception: past its promise and not delivered.
    expect(await allOrderIds(other, `promised_to=${at(13)}&status=placed,processing`)).toEqual([early.id]);
    expectError(await other.get('/v1/orders?promised_to=soon'), 400, 'validation_failed');
    // Another tenant's promises are not there.
    expect(await allOrderIds(biz, `promised_from=${at(0)}&promised_to=${at(23)}`)).toEqual([]);
  });

  it('is in the OpenAPI document: the body field, the order field and the search parameters', async () => {
    const doc = (await client(server.url).get('/openapi.json')).body;
    const place = doc.paths['/v1/orders'].post;
    expect(place.requestBody.content['application/json'].schema.properties.promised_by).toBeDefined();
    expect(place.responses['201'].content['application/json'].schema.properties.promised_by).toBeDefined();
    const names = doc.paths['/v1/orders'].get.parameters.map((parameter: { name: string }) => parameter.name);
    expect(names).toEqual(expect.arrayContaining(['promised_from', 'promised_to']));
    expect(doc.paths['/v1/reports/summary'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['from', 'to']);
    expect(doc.paths['/v1/reports/orders.csv'].get['x-roles']).toEqual(['business', 'staff']);
    expect(Object.keys(doc.paths['/v1/reports/orders.csv'].get.responses['200'].content)).toEqual(['text/csv']);
  });
});

describe('GET /v1/reports/summary', () => {
  let tenant: Tenant;
  let biz: Client;
  let orders: Array<Record<string, any>>;
  let range: { from: string; to: string };
  const summaryOf = (api: Client, from: string, to: string) =>
    api.get(`/v1/reports/summary?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);

  beforeAll(async () => {
    tenant = await createTenant(server.url, 'Summary');
    biz = client(server.url, tenant.apiKey);
    const now = Date.now();
    // Orders are created now; the range spans two days either side, so by_day has four dates.
    range = { from: new Date(startOfDay(now) - 2 * DAY_MS).toISOString(), to: new Date(startOfDay(now) + 2 * DAY_MS).toISOString() };

    // 1: promised ahead, delivered a minute after placement: on time. Courier k1.
    const one = await placeOrder(biz, { promised_by: new Date(now + 3 * 60_000).toISOString() });
    await assign(biz, one.id, 'k1');
    await post(biz, one.id, { status: 'delivered', occurred_at: plus(one.created_at, 60_000) });
    // 2: promised an hour ago, one failed attempt, then delivered: late. Courier k1.
    const two = await placeOrder(biz, { promised_by: new Date(now - 3600_000).toISOString() });
    await assign(biz, two.id, 'k1');
    await post(biz, two.id, { status: 'out_for_delivery', occurred_at: plus(two.created_at, 10_000) });
    await post(biz, two.id, { status: 'failed_attempt', occurred_at: plus(two.created_at, 20_000) });
    await post(biz, two.id, { status: 'out_for_delivery', occurred_at: plus(two.created_at, 30_000) });
    await post(biz, two.id, { status: 'delivered', occurred_at: plus(two.created_at, 120_000) });
    // 3: delivered exactly at its promise: on time (at or before).
    const promise = new Date(now + 4 * 60_000).toISOString();
    const three = await placeOrder(biz, { promised_by: promise });
    await post(biz, three.id, { status: 'delivered', occurred_at: promise });
    // 4: promised tomorrow, on its way: undecided. Courier k3.
    const four = await placeOrder(biz, { promised_by: new Date(now + DAY_MS).toISOString() });
    await assign(biz, four.id, 'k3');
    await post(biz, four.id, { status: 'in_transit' });
    // 5: past its promise, not delivered: decided, late.
    const five = await placeOrder(biz, { promised_by: new Date(now - 60_000).toISOString() });
    await post(biz, five.id, { status: 'shipped' });
    // 6: cancelled past its promise: no delivery was owed, left out of the rate.
    const six = await placeOrder(biz, { promised_by: new Date(now - 60_000).toISOString() });
    await post(biz, six.id, { status: 'cancelled' });
    // 7: no promise; delivered after 30 s, then returned: still counted as delivered. Courier k2.
    const seven = await placeOrder(biz);
    await assign(biz, seven.id, 'k2');
    await post(biz, seven.id, { status: 'delivered', occurred_at: plus(seven.created_at, 30_000) });
    await post(biz, seven.id, { status: 'returned' });
    // 8: just placed.
    const eight = await placeOrder(biz);
    orders = await Promise.all([one, two, three, four, five, six, seven, eight].map((order) => read(biz, order.id)));

    // Another tenant's orders in the same range must not count.
    const other = client(server.url, (await createTenant(server.url, 'Elsewhere')).apiKey);
    const theirs = await placeOrder(other, { promised_by: new Date(now + 60_000).toISOString() });
    await assign(other, theirs.id, 'k1');
    await post(other, theirs.id, { status: 'delivered' });
  });

  it('answers each figure for the orders created in the range', async () => {
    const response = await summaryOf(biz, range.from, range.to);
    expect(response.status).toBe(200);
    const [one, two, three, , , , seven] = orders as [Record<string, any>, ...Array<Record<string, any>>];
    // Delivery times 60, 120, (promise − creation ≈ 240), 30 s, sorted; nearest rank: p50 = 2nd, p90 = 4th.
    const durations = [60, 120, (Date.parse(three!.promised_by) - Date.parse(three!.created_at)) / 1000, 30].sort((a, b) => a - b);
    // Dates: the range's four; placements and deliveries on the dates they happened (a test near midnight splits them).
    const dates = [0, 1, 2, 3].map((day) => new Date(Date.parse(range.from) + day * DAY_MS).toISOString().slice(0, 10));
    const deliveredAt = [plus(one!.created_at, 60_000), plus(two!.created_at, 120_000), three!.promised_by, plus(seven!.created_at, 30_000)];
    expect(response.body).toEqual({
      from: range.from,
      to: range.to,
      placed: 8,
      delivered: 4, // 1, 2, 3 and 7 (returned afterwards)
      returned: 1,
      cancelled: 1,
      failed_attempts: 1,
      on_time_rate: 0.5, // on time 1, 3; late 2, 5; 4 undecided; 6 cancelled; 7 and 8 unpromised
      delivery_time_s: { p50: durations[1], p90: durations[3] },
      by_courier: [
        { courier_id: 'k1', delivered: 2, failed_attempts: 1 },
        { courier_id: 'k2', delivered: 1, failed_attempts: 0 },
        { courier_id: 'k3', delivered: 0, failed_attempts: 0 },
      ],
      by_day: dates.map((date) => ({
        date,
        placed: orders.filter((order) => order.created_at.startsWith(date)).length,
        delivered: deliveredAt.filter((time) => time.startsWith(date)).length,
      })),
    });
  });

  it('counts orders created in [from, to): the start included, the end left out', async () => {
    const first = orders[0]!;
    const last = orders[7]!;
    const inner = (await summaryOf(biz, first.created_at, last.created_at)).body;
    expect(inner).toMatchObject({ placed: 7, delivered: 4 });
    expect((await summaryOf(biz, last.created_at, plus(last.created_at, 1))).body).toMatchObject({ placed: 1, delivered: 0 });
    // Nothing in the range: zeros, and null where there is nothing to divide or sort.
    const empty = (await summaryOf(biz, '2020-01-01T00:00:00Z', '2020-01-03T00:00:00+08:00')).body;
    expect(empty).toEqual({
      from: '2020-01-01T00:00:00.000Z',
      to: '2020-01-02T16:00:00.000Z',
      placed: 0, delivered: 0, returned: 0, cancelled: 0, failed_attempts: 0, on_time_rate: null, delivery_time_s: null,
      by_courier: [],
      by_day: [
        { date: '2020-01-01', placed: 0, delivered: 0 },
        { date: '2020-01-02', placed: 0, delivered: 0 },
      ],
    });
  });

  it('shows a tenant only its own orders', async () => {
    const other = await createTenant(server.url, 'Empty');
    const theirs = (await summaryOf(client(server.url, other.apiKey), range.from, range.to)).body;
    expect(theirs).toMatchObject({ placed: 0, by_courier: [] });
  });

  it('is for business and staff only', async () => {
    expect((await summaryOf(client(server.url, await tenant.token('staff', 's1')), range.from, range.to)).body.placed).toBe(8);
    for (const token of [
      await tenant.token('customer', 'c1'),
      await tenant.token('courier', 'k1'),
      (await placeOrder(biz)).tracking_token,
      ADMIN_TOKEN,
    ]) {
      expectError(await summaryOf(client(server.url, token), range.from, range.to), 403, 'forbidden');
    }
    expectError(await summaryOf(client(server.url), range.from, range.to), 401, 'unauthorized');
  });

  it.each<[string, string, string]>([
    ['from missing', '/v1/reports/summary?to=2024-01-02T00:00:00Z', 'from'],
    ['to missing', '/v1/reports/summary?from=2024-01-02T00:00:00Z', 'to'],
    ['from not a time', '/v1/reports/summary?from=yesterday&to=2024-01-02T00:00:00Z', 'from'],
    ['from equal to to', '/v1/reports/summary?from=2024-01-02T00:00:00Z&to=2024-01-02T00:00:00Z', 'to'],
    ['from after to', '/v1/reports/summary?from=2024-01-03T00:00:00Z&to=2024-01-02T00:00:00Z', 'to'],
    ['more than 366 days', '/v1/reports/summary?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00.001Z', 'to'],
    ['an unknown parameter', '/v1/reports/summary?from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z&tz=UTC', 'query'],
  ])('refuses %s (400 validation_failed naming the field)', async (_what, path, field) => {
    const error = expectError(await biz.get(path), 400, 'validation_failed');
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  });

  it('takes exactly 366 days', async () => {
    const response = await summaryOf(biz, '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
    expect(response.status).toBe(200);
    expect(response.body.by_day).toHaveLength(366);
    expect(response.body.by_day[365]).toEqual({ date: '2024-12-31', placed: 0, delivered: 0 });
  });
});

describe('GET /v1/reports/orders.csv', () => {
  let tenant: Tenant;
  let biz: Client;
  const HEADER = 'id,external_id,status,customer_id,courier_id,created_at,delivered_at,promised_by,on_time,amount_value,amount_currency';
  let rows: Record<string, Record<string, any>>;

  beforeAll(async () => {
    tenant = await createTenant(server.url, 'Export');
    biz = client(server.url, tenant.apiKey);
    const now = Date.now();
    // Placed oldest first; the export lists them newest first.
    const comma = await placeOrder(biz, {
      external_id: 'shop,1', customer: { id: 'c1', name: 'Ada' }, amount: { value: 12900, currency: 'HKD' },
      promised_by: new Date(now + 3 * 60_000).toISOString(),
    });
    await assign(biz, comma.id, 'k1');
    await post(biz, comma.id, { status: 'delivered', occurred_at: plus(comma.created_at, 60_000) });
    const quoted = await placeOrder(biz, { external_id: 'say "hi"', customer: { id: 'c2' }, promised_by: new Date(now - 60_000).toISOString() });
    await post(biz, quoted.id, { status: 'shipped' });
    const formula = await placeOrder(biz, { external_id: '=HYPERLINK("x")', customer: { id: 'c1' }, amount: { value: 0, currency: 'USD' } });
    const multiline = await placeOrder(biz, { external_id: 'two\nlines', customer: { id: 'c3' }, promised_by: new Date(now + DAY_MS).toISOString() });
    const reads = await Promise.all([comma, quoted, formula, multiline].map((order) => read(biz, order.id)));
    rows = { comma: reads[0]!, quoted: reads[1]!, formula: reads[2]!, multiline: reads[3]! };
    // Another tenant's order must never show.
    await placeOrder(client(server.url, (await createTenant(server.url, 'Hidden')).apiKey), { external_id: 'shop,1' });
  });

  const csv = (api: Client, query = '') => api.get(`/v1/reports/orders.csv${query ? `?${query}` : ''}`);
  const line = {
    comma: () => `${rows.comma!.id},"shop,1",delivered,c1,k1,${rows.comma!.created_at},${plus(rows.comma!.created_at, 60_000)},${rows.comma!.promised_by},true,12900,HKD`,
    quoted: () => `${rows.quoted!.id},"say ""hi""",shipped,c2,,${rows.quoted!.created_at},,${rows.quoted!.promised_by},false,,`,
    // A leading ' keeps a spreadsheet from running it; the quotes inside are doubled.
    formula: () => `${rows.formula!.id},"'=HYPERLINK(""x"")",placed,c1,,${rows.formula!.created_at},,,,0,USD`,
    multiline: () => `${rows.multiline!.id},"two\nlines",placed,c3,,${rows.multiline!.created_at},,${rows.multiline!.promised_by},,,`,
  };

  it('answers a CSV attachment: the header, then one row per order, newest first, quoted where needed', async () => {
    const response = await csv(biz);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="orders.csv"');
    expect(response.body).toBe([HEADER, line.multiline(), line.formula(), line.quoted(), line.comma(), ''].join('\n'));
  });

  it('takes the filters of GET /v1/orders', async () => {
    const expectRows = async (query: string, expected: Array<keyof typeof line>) =>
      expect((await csv(biz, query)).body).toBe([HEADER, ...expected.map((key) => line[key]()), ''].join('\n'));
    await expectRows('status=shipped,delivered', ['quoted', 'comma']);
    await expectRows('customer_id=c1', ['formula', 'comma']);
    await expectRows('courier_id=k1', ['comma']);
    await expectRows('q=shop', ['comma']);
    await expectRows(`promised_to=${encodeURIComponent(new Date().toISOString())}`, ['quoted']);
    await expectRows(`promised_from=${encodeURIComponent(new Date().toISOString())}&status=placed`, ['multiline']);
    await expectRows(`created_from=${encodeURIComponent(rows.formula!.created_at)}`, ['multiline', 'formula']);
    await expectRows('customer_id=nobody', []);
    expectError(await csv(biz, 'status=lost'), 400, 'validation_failed');
    expectError(await csv(biz, 'limit=10'), 400, 'validation_failed');
  });

  it('shows a tenant only its own orders', async () => {
    const empty = await createTenant(server.url, 'Nothing');
    expect((await csv(client(server.url, empty.apiKey))).body).toBe(`${HEADER}\n`);
  });

  it('is for business and staff only', async () => {
    expect((await csv(client(server.url, await tenant.token('staff', 's1')))).body.split('\n')[0]).toBe(HEADER);
    for (const token of [await tenant.token('customer', 'c1'), await tenant.token('courier', 'k1'), (await placeOrder(biz)).tracking_token]) {
      expectError(await csv(client(server.url, token)), 403, 'forbidden');
    }
    expectError(await csv(client(server.url)), 401, 'unauthorized');
  });
});

describe('GET /v1/reports/orders.csv, streamed', () => {
  const ORDERS = 3000;
  // The gated export holds after this many pages have been read from the store (of 3, at the store's 1,000 a page).
  const HOLD_AFTER_PAGES = 1;
  let tenant: Tenant;
  let placed: string[];

  beforeAll(async () => {
    tenant = await createTenant(server.url, 'Big');
    const biz = client(server.url, tenant.apiKey);
    placed = [];
    for (let batch = 0; batch < ORDERS / 100; batch++) {
      const orders = await Promise.all(Array.from({ length: 100 }, () => placeOrder(biz)));
      placed.push(...orders.map((order) => order.id));
    }
  });
  afterEach(() => jest.restoreAllMocks());

  /**
   * Routes the node's export through a gate: pages pass until {@link HOLD_AFTER_PAGES} have been read from the
   * store, then the next read waits for `release()`. `stopped` resolves when the export is ended early (`return`).
   * Held there, an export that is not streamed never answers, and one that ignores a departed client never stops.
   */
  function gateExports() {
    const store = server.node.parts.store;
    const real = store.search.exportOrders.bind(store.search);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const gate = { pages: 0, rows: 0, release, stopped };
    jest.spyOn(store.search, 'exportOrders').mockImplementation((tenantId: string, filter: OrderFilter): AsyncIterable<ExportedOrder[]> => {
      const source = real(tenantId, filter)[Symbol.asyncIterator]();
      let ended: ((result: IteratorResult<ExportedOrder[]>) => void) | undefined;
      const iterator: AsyncIterator<ExportedOrder[]> = {
        next: async () => {
          if (gate.pages === HOLD_AFTER_PAGES) {
            // Held until released, or until the export is ended meanwhile (then this read ends it).
            const endedMeanwhile = new Promise<IteratorResult<ExportedOrder[]>>((resolve) => (ended = resolve));
            const result = await Promise.race([released.then(() => null), endedMeanwhile]);
            if (result) return result;
          }
          const step = await source.next();
          if (!step.done) {
            gate.pages++;
            gate.rows += step.value.length;
          }
          return step;
        },
        return: async () => {
          stop();
          ended?.({ done: true, value: undefined });
          return (await source.return?.()) ?? { done: true, value: undefined };
        },
      };
      return { [Symbol.asyncIterator]: () => iterator };
    });
    return gate;
  }

  /**
   * Starts the export on a connection of its own (no pool: a pooled client may leave a spare connection open that
   * the node's shutdown then waits for), resolving with the request and an iterator over the body's chunks.
   */
  const open = () =>
    new Promise<{ request: http.ClientRequest; chunks: AsyncIterator<Buffer> }>((resolve, reject) => {
      const request = http.get(
        `${server.url}/v1/reports/orders.csv`,
        { agent: false, headers: { authorization: `Bearer ${tenant.apiKey}` } },
        (response) => {
          expect(response.statusCode).toBe(200);
          resolve({ request, chunks: response[Symbol.asyncIterator]() as AsyncIterator<Buffer> });
        },
      );
      request.once('error', reject);
    });
  const rest = async (chunks: AsyncIterator<Buffer>, text = ''): Promise<string> => {
    for (let chunk = await chunks.next(); !chunk.done; chunk = await chunks.next()) text += chunk.value.toString('utf8');
    return text;
  };

  it('sends its first rows while later ones are still unread in the store', async () => {
    const gate = gateExports();
    // The store read is held halfway, yet the first rows arrive.
    const { chunks } = await open();
    const first = await chunks.next();
    expect(first.done).toBe(false);
    expect(gate.rows).toBeLessThan(ORDERS);
    gate.release();
    const text = await rest(chunks, (first.value as Buffer).toString('utf8'));
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(ORDERS + 1);
    const ids = lines.slice(1).map((row) => row.split(',')[0]!);
    expect(new Set(ids)).toEqual(new Set(placed));
    const created = lines.slice(1).map((row) => row.split(',')[5]!);
    expect(created).toEqual([...created].sort().reverse());
  });

  it('stops reading the store when its client goes away', async () => {
    const gate = gateExports();
    const { request, chunks } = await open();
    expect((await chunks.next()).done).toBe(false);
    request.destroy();
    // The server ends the store's iteration while it is held: no page past the gate is ever read.
    await gate.stopped;
    expect(gate.pages).toBe(HOLD_AFTER_PAGES);
    // The node serves the next export in full.
    jest.restoreAllMocks();
    const again = await open();
    expect((await rest(again.chunks)).trimEnd().split('\n')).toHaveLength(ORDERS + 1);
  });
});

import { expectError } from '../../support/expect-error';
import { client, type Client, request } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { ADMIN_TOKEN } from '../../support/node-settings';
import { allOrderIds, placeOrder } from '../../support/orders';
import { keepAliveClient, type KeepAliveClient } from '../../support/raw-http';
import { createTenant, type Tenant } from '../../support/tenant';

const MiB = 1024 * 1024;

/** What a line is meant to be answered, as the test builds the file. */
type Expected =
  | { outcome: 'created'; externalId?: string }
  | { outcome: 'existing'; sameAs: number }
  | { outcome: 'rejected'; code: string; path?: string };

interface Built {
  body: string;
  /** By line number (1-based); blank lines have none. */
  expected: Map<number, Expected>;
}

/**
 * A 10,000-line file: orders with external ids, some without, some repeating an earlier line's external id, lines
 * that are not JSON, lines that are not valid orders, a blank line and CRLF line ends here and there.
 */
function buildFile(run: string, orderLines: number): Built {
  const lines: string[] = [];
  const expected = new Map<number, Expected>();
  const firstLineOf = new Map<string, number>();
  for (let index = 0; lines.length < orderLines + 1; index++) {
    const lineNo = lines.length + 1;
    if (index === 500) {
      lines.push('   ');
      continue;
    }
    let text: string;
    let outcome: Expected;
    if (index % 97 === 13) {
      text = `{"customer": {"id": "c-${index}"}, "external_id": `;
      outcome = { outcome: 'rejected', code: 'invalid_json' };
    } else if (index % 89 === 7) {
      text = JSON.stringify({ external_id: `${run}-bad-${index}`, customer: { id: `c-${index}`, email: 'not-an-email' } });
      outcome = { outcome: 'rejected', code: 'validation_failed', path: 'customer.email' };
    } else if (index % 83 === 5) {
      text = JSON.stringify({ external_id: `${run}-${index}`, customer: { id: `c-${index}` }, status: 'delivered' });
      outcome = { outcome: 'rejected', code: 'validation_failed', path: '' };
    } else if (index % 71 === 3 && index > 100) {
      // Repeats the external id of a line well before it.
      const externalId = `${run}-${index - 100}`;
      const first = firstLineOf.get(externalId);
      text = JSON.stringify({ external_id: externalId, customer: { id: `c-other-${index}` } });
      outcome = first === undefined ? { outcome: 'created', externalId } : { outcome: 'existing', sameAs: first };
      if (first === undefined) firstLineOf.set(externalId, lineNo);
    } else if (index % 10 === 9) {
      text = JSON.stringify({ customer: { id: `c-${index}`, name: `Customer ${index}` }, amount: { value: index, currency: 'HKD' } });
      outcome = { outcome: 'created' };
    } else {
      const externalId = `${run}-${index}`;
      text = JSON.stringify({
        external_id: externalId,
        customer: { id: `c-${index % 300}`, name: `Customer ${index}`, email: `c${index}@example.com` },
        destination: { address: `${index} Nathan Rd`, lat: 22.3, lng: 114.17 },
        amount: { value: 1000 + index, currency: 'HKD' },
        items: [{ sku: `sku-${index % 17}`, qty: 1 + (index % 3) }],
      });
      outcome = { outcome: 'created', externalId };
      firstLineOf.set(externalId, lineNo);
    }
    lines.push(index % 50 === 0 ? `${text}\r` : text);
    expected.set(lineNo, outcome);
  }
  return { body: `${lines.join('\n')}\n`, expected };
}

describe('POST /v1/orders/import', () => {
  let server: TestNode;
  let tenant: Tenant;
  let biz: Client;
  let keepAlive: KeepAliveClient;

  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('import') } });
    tenant = await createTenant(server.url);
    biz = client(server.url, tenant.apiKey);
  });
  beforeEach(() => {
    keepAlive = keepAliveClient(server.url);
  });
  afterEach(() => keepAlive.close());
  afterAll(() => server.close());

  const importFile = (body: string, headers: Record<string, string> = {}) =>
    request(server.url, 'POST', '/v1/orders/import', {
      token: tenant.apiKey,
      rawBody: body,
      headers: { 'content-type': 'application/x-ndjson', ...headers },
    });

  it('10,000 lines with repeats and bad lines: one exact result per line; a re-run under the same key answers existing for all', async () => {
    const run = unique('bulk');
    const file = buildFile(run, 10_000);
    expect(file.expected.size).toBe(10_000);
    const before = new Set(await allOrderIds(biz));

    const answer = await importFile(file.body, { 'idempotency-key': run });
    expect(answer.status).toBe(200);
    const results = answer.body.results as Array<{ line: number; outcome: string; id?: string; error?: { code: string; details?: Array<{ path: string }> } }>;
    expect(results.map((result) => result.line)).toEqual([...file.expected.keys()]);
    const idOfLine = new Map(results.map((result) => [result.line, result.id]));
    for (const result of results) {
      const expected = file.expected.get(result.line)!;
      if (expected.outcome === 'created') {
        expect({ line: result.line, outcome: result.outcome, id: result.id }).toEqual({ line: result.line, outcome: 'created', id: expect.stringMatching(/^ord_/) });
      } else if (expected.outcome === 'existing') {
        expect({ line: result.line, outcome: result.outcome, id: result.id }).toEqual({ line: result.line, outcome: 'existing', id: idOfLine.get(expected.sameAs) });
      } else {
        expect({ line: result.line, outcome: result.outcome, code: result.error?.code }).toEqual({ line: result.line, outcome: 'rejected', code: expected.code });
        if (expected.path !== undefined) expect(result.error?.details?.map((issue) => issue.path)).toContain(expected.path);
      }
    }
    const created = results.filter((result) => result.outcome === 'created');
    const counts = { created: created.length, existing: 0, rejected: 0 };
    for (const result of results) if (result.outcome !== 'created') counts[result.outcome as 'existing' | 'rejected'] += 1;
    expect(counts.existing).toBeGreaterThan(50);
    expect(counts.rejected).toBeGreaterThan(300);

    // Exactly the created orders are new, each as its line asked.
    const after = (await allOrderIds(biz)).filter((id) => !before.has(id));
    expect(after.sort()).toEqual(created.map((result) => result.id!).sort());
    const sample = created.find((result) => (file.expected.get(result.line) as { externalId?: string }).externalId !== undefined)!;
    const order = (await biz.get(`/v1/orders/${sample.id}`)).body;
    expect(order).toMatchObject({ external_id: (file.expected.get(sample.line) as { externalId: string }).externalId, status: 'placed', version: 1 });

    // The same file again under the same key: every created line is existing with its id, nothing new is placed.
    const again = await importFile(file.body, { 'idempotency-key': run });
    expect(again.status).toBe(200);
    for (const [index, result] of (again.body.results as typeof results).entries()) {
      const first = results[index]!;
      expect({ line: result.line, outcome: result.outcome, id: result.id }).toEqual({
        line: first.line,
        outcome: first.outcome === 'rejected' ? 'rejected' : 'existing',
        id: first.id,
      });
    }
    expect((await allOrderIds(biz)).length).toBe(before.size + created.length);
  }, 120_000);

  it('without a key, lines with an external id are existing on a re-run and lines without one are placed again', async () => {
    const run = unique('rerun');
    const body = [
      JSON.stringify({ external_id: `${run}-1`, customer: { id: 'c1' } }),
      JSON.stringify({ customer: { id: 'c2' } }),
    ].join('\n');
    const first = (await importFile(body)).body.results;
    const second = (await importFile(body)).body.results;
    expect(first.map((result: { outcome: string }) => result.outcome)).toEqual(['created', 'created']);
    expect(second).toEqual([
      { line: 1, outcome: 'existing', id: first[0].id },
      { line: 2, outcome: 'created', id: expect.not.stringMatching(first[1].id) },
    ]);
  });

  it('under a key, a line that changed is idempotency_conflict and the others are existing', async () => {
    const run = unique('changed');
    const lines = [JSON.stringify({ customer: { id: 'c1' } }), JSON.stringify({ customer: { id: 'c2' } })];
    const first = (await importFile(lines.join('\n'), { 'idempotency-key': run })).body.results;
    const changed = (await importFile([lines[0], JSON.stringify({ customer: { id: 'c3' } })].join('\n'), { 'idempotency-key': run })).body.results;
    expect(changed).toEqual([
      { line: 1, outcome: 'existing', id: first[0].id },
      { line: 2, outcome: 'rejected', error: { code: 'idempotency_conflict', message: expect.any(String) } },
    ]);
  });

  it('a line over 1 MiB is rejected as payload_too_large without failing the others; blank lines take no result', async () => {
    const run = unique('long');
    const body = [
      JSON.stringify({ external_id: `${run}-1`, customer: { id: 'c1' } }),
      '',
      JSON.stringify({ external_id: `${run}-2`, customer: { id: 'c1' }, metadata: { blob: 'x'.repeat(MiB + 10) } }),
      JSON.stringify({ external_id: `${run}-3`, customer: { id: 'c1' } }),
    ].join('\n');
    const answer = await importFile(body);
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([
      { line: 1, outcome: 'created', id: expect.any(String) },
      { line: 3, outcome: 'rejected', error: { code: 'payload_too_large', message: expect.stringMatching(/line/) } },
      { line: 4, outcome: 'created', id: expect.any(String) },
    ]);
  });

  it('a body that is not NDJSON is 415 unsupported_media_type and imports nothing, even when its lines would be orders', async () => {
    const run = unique('typed');
    const line = JSON.stringify({ external_id: `${run}-1`, customer: { id: 'c1' } });
    const before = (await allOrderIds(biz)).length;
    for (const contentType of ['application/json', 'text/plain', 'application/json; charset=utf-8']) {
      const answer = await importFile(line, { 'content-type': contentType });
      expectError(answer, 415, 'unsupported_media_type');
      expect(answer.headers.get('accept')).toBe('application/x-ndjson');
    }
    expect((await allOrderIds(biz)).length).toBe(before);
    // The same line as NDJSON goes in.
    expect((await importFile(line)).body.results).toEqual([{ line: 1, outcome: 'created', id: expect.any(String) }]);
  });

  it('10,001 lines: 413 with Connection: close, nothing imported; the next request goes on a new connection and is answered', async () => {
    const run = unique('toomany');
    const body = Array.from({ length: 10_001 }, (_, index) => JSON.stringify({ external_id: `${run}-${index}`, customer: { id: 'c1' } })).join('\n');
    const before = (await allOrderIds(biz)).length;
    const refused = await keepAlive.send('POST', '/v1/orders/import', { token: tenant.apiKey, body, chunked: true, contentType: 'application/x-ndjson' });
    const next = await keepAlive.send('GET', '/v1/orders?limit=1', { token: tenant.apiKey });
    expect(refused.status).toBe(413);
    expect(refused.body.error).toEqual({ code: 'payload_too_large', message: expect.stringMatching(/10000 lines/) });
    expect(refused.headers.connection).toBe('close');
    expect(next).toMatchObject({ status: 200, reusedSocket: false });
    expect((await allOrderIds(biz)).length).toBe(before);
    expect((await biz.get(`/v1/orders?q=${run}`)).body.items).toEqual([]);
  }, 60_000);

  it('over 20 MiB while streaming: 413 with Connection: close, nothing imported; the next request is answered', async () => {
    const run = unique('toobig');
    // 2,100 lines of 10 KiB: under the line limit, over the byte limit (sent chunked: no length to refuse at once).
    const body = Array.from({ length: 2100 }, (_, index) =>
      JSON.stringify({ external_id: `${run}-${index}`, customer: { id: 'c1' }, metadata: { pad: 'p'.repeat(10 * 1024) } }),
    ).join('\n');
    expect(body.length).toBeGreaterThan(20 * MiB);
    const before = (await allOrderIds(biz)).length;
    const refused = await keepAlive.send('POST', '/v1/orders/import', { token: tenant.apiKey, body, chunked: true, contentType: 'application/x-ndjson' });
    const next = await keepAlive.send('GET', '/v1/orders?limit=1', { token: tenant.apiKey });
    expect(refused.status).toBe(413);
    expect(refused.body.error.code).toBe('payload_too_large');
    expect(refused.headers.connection).toBe('close');
    expect(next).toMatchObject({ status: 200, reusedSocket: false });
    expect((await allOrderIds(biz)).length).toBe(before);
  }, 60_000);

  it('a declared Content-Length over 20 MiB is refused at once', async () => {
    const answer = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      // Only the headers are sent: the answer comes without the body ever being read.
      void import('node:http').then(({ default: http }) => {
        const req = http.request(`${server.url}/v1/orders/import`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/x-ndjson', 'content-length': String(21 * MiB) },
        });
        req.on('response', (res) => {
          res.resume();
          resolve({ status: res.statusCode!, connection: res.headers.connection });
          req.destroy();
        });
        req.on('error', reject);
        req.flushHeaders();
      });
    });
    expect(answer).toEqual({ status: 413, connection: 'close' });
  });

  it('only the business may import: staff, customers, couriers, trackers and the admin are 403, no token 401', async () => {
    const order = await placeOrder(biz);
    const body = JSON.stringify({ customer: { id: 'c1' } });
    for (const token of [await tenant.token('staff', 's1'), await tenant.token('customer', 'c1'), await tenant.token('courier', 'k1'), order.tracking_token, ADMIN_TOKEN]) {
      expectError(await request(server.url, 'POST', '/v1/orders/import', { token, rawBody: body }), 403, 'forbidden');
    }
    expectError(await request(server.url, 'POST', '/v1/orders/import', { rawBody: body }), 401, 'unauthorized');
  });

  it('orders land in the importing tenant only, and its external ids are its own', async () => {
    const other = await createTenant(server.url, 'Other');
    const externalId = unique('shared');
    await placeOrder(client(server.url, other.apiKey), { external_id: externalId });
    const answer = await importFile(JSON.stringify({ external_id: externalId, customer: { id: 'c1' } }));
    expect(answer.body.results).toEqual([{ line: 1, outcome: 'created', id: expect.any(String) }]);
    expect((await biz.get(`/v1/orders/${answer.body.results[0].id}`)).body.tenant_id).toBe(tenant.id);
  });

  it('is described in /openapi.json: NDJSON lines with the order schema, per-line results, 413', async () => {
    const operation = (await request(server.url, 'GET', '/openapi.json')).body.paths['/v1/orders/import'].post;
    expect(operation['x-roles']).toEqual(['business']);
    expect(operation.requestBody.content['application/x-ndjson'].schema.properties.customer).toBeDefined();
    expect(operation.responses['200'].content['application/json'].schema.properties.results.items.properties.outcome.enum).toEqual([
      'created',
      'existing',
      'rejected',
    ]);
    expect(operation.responses['413']).toBeDefined();
    expect(operation.responses['415']).toBeDefined();
    expect(operation.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]));
  });
});

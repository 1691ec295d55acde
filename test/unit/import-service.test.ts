import { IdempotencyConflictError, UnavailableError } from '../../src/domain/errors';
import type { Order } from '../../src/domain/order';
import type { PlaceOrderInput } from '../../src/domain/placement';
import { ImportService, type ImportLine } from '../../src/services/import-service';
import type { OrderService } from '../../src/services/order-service';

const business = { role: 'business', tenantId: 't1' } as const;

/**
 * A stand-in for OrderService.place: orders by external id as the store keeps them, each placement taking a
 * random while, so later lines often finish first.
 */
function fakeOrders(fail: (input: PlaceOrderInput) => Error | null = () => null) {
  const byExternalId = new Map<string, string>();
  let next = 0;
  const calls: Array<{ input: PlaceOrderInput; idempotency: { key: string; requestHash: string } | null }> = [];
  const place: OrderService['place'] = async (_principal, input, idempotency) => {
    calls.push({ input, idempotency });
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
    const error = fail(input);
    if (error) throw error;
    const known = input.external_id === undefined ? undefined : byExternalId.get(input.external_id);
    if (known) return { order: { id: known } as Order, created: false };
    const id = `ord_${++next}`;
    if (input.external_id !== undefined) byExternalId.set(input.external_id, id);
    return { order: { id } as Order, created: true };
  };
  return { place, calls };
}

const line = (n: number, externalId?: string): ImportLine => ({
  line: n,
  input: { customer: { id: `c${n}` }, ...(externalId === undefined ? {} : { external_id: externalId }) },
  requestHash: `hash-${n}`,
});

describe('ImportService', () => {
  it('places lines sharing an external id one after the other: the first one in the file is created', async () => {
    for (let round = 0; round < 20; round++) {
      const orders = fakeOrders();
      const service = new ImportService({ orders, concurrency: 8 });
      const lines = [line(1, 'a'), line(2, 'b'), line(3, 'a'), line(4), line(5, 'a'), line(6, 'b')];
      const results = await service.importOrders(business, lines, null);
      const ids = results.map((result) => ('id' in result ? result.id : null));
      expect(results.map((result) => [result.line, result.outcome])).toEqual([
        [1, 'created'], [2, 'created'], [3, 'existing'], [4, 'created'], [5, 'existing'], [6, 'existing'],
      ]);
      expect([ids[2], ids[4], ids[5]]).toEqual([ids[0], ids[0], ids[1]]);
    }
  });

  it('answers a failed line with its error and carries on; the next line with its external id then places it', async () => {
    let failures = 0;
    const orders = fakeOrders((input) => (input.external_id === 'a' && failures++ === 0 ? new UnavailableError('store') : null));
    const results = await new ImportService({ orders, concurrency: 4 }).importOrders(business, [line(1, 'a'), line(2, 'a'), line(3)], null);
    expect(results).toEqual([
      { line: 1, outcome: 'rejected', error: { code: 'unavailable', message: expect.any(String) } },
      { line: 2, outcome: 'created', id: expect.any(String) },
      { line: 3, outcome: 'created', id: expect.any(String) },
    ]);
  });

  it('keys each line under the import key and its line number, bound to its hash; rejected lines are passed through', async () => {
    const orders = fakeOrders((input) => (input.customer.id === 'c2' ? new IdempotencyConflictError() : null));
    const lines: ImportLine[] = [line(1), line(2), { line: 3, error: { code: 'invalid_json', message: 'not JSON' } }];
    const results = await new ImportService({ orders }).importOrders(business, lines, 'batch-7');
    expect(orders.calls.map((call) => call.idempotency).sort((a, b) => a!.key.localeCompare(b!.key))).toEqual([
      { key: 'import:batch-7:1', requestHash: 'hash-1' },
      { key: 'import:batch-7:2', requestHash: 'hash-2' },
    ]);
    expect(results.slice(1)).toEqual([
      { line: 2, outcome: 'rejected', error: { code: 'idempotency_conflict', message: expect.any(String) } },
      { line: 3, outcome: 'rejected', error: { code: 'invalid_json', message: 'not JSON' } },
    ]);
  });

  it('fails the import on an untyped error (a bug), and refuses a bad concurrency at once', async () => {
    const orders = fakeOrders(() => new TypeError('boom'));
    await expect(new ImportService({ orders }).importOrders(business, [line(1)], null)).rejects.toThrow(TypeError);
    expect(() => new ImportService({ orders, concurrency: 0 })).toThrow(RangeError);
  });
});

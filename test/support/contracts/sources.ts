import type { OrderLog } from '../../../src/store/orders/port';
import type { MessageClaim, Source, SourceDirectory } from '../../../src/store/sources/port';
import { at, buildOrder, buildTenant, placedEvent, uniqueId } from './fixtures';

export interface SourceStores {
  sources: SourceDirectory;
  /** A second instance over the same database (another connection or pool): what a second node would hold. */
  twin: SourceDirectory;
  /** Orders in the same database, for external ids. */
  orders: Pick<OrderLog, 'createOrder'>;
  cleanup(): Promise<void>;
}

export type SourceStoresFactory = () => Promise<SourceStores>;

export function buildSource(tenantId: string, overrides: Partial<Source> = {}): Source {
  return {
    id: uniqueId('src'),
    tenant_id: tenantId,
    name: 'Carrier',
    status_map: { PU: 'shipped', HUB: 'in_transit', DLV: 'delivered' },
    secret: `whsec_${Buffer.from(uniqueId('secret')).toString('base64')}`,
    created_at: at(0),
    updated_at: at(0),
    ...overrides,
  };
}

function claim(minute: number, staleAfterMinutes = 1): MessageClaim {
  return { token: uniqueId('claim'), at: at(minute), staleBefore: at(minute - staleAfterMinutes) };
}

/**
 * SourceDirectory: sources per tenant, the message records that make a carrier's deliveries idempotent (claimed,
 * answered, released, taken over when stale, pruned; one claim wins across two instances), and orders by external
 * id. Every test gets fresh stores from `factory` and releases them with `cleanup`.
 */
export function describeSourcesContract(factory: SourceStoresFactory): void {
  let stores: SourceStores;
  let sources: SourceDirectory;
  beforeEach(async () => {
    stores = await factory();
    sources = stores.sources;
  });
  afterEach(() => stores.cleanup());

  describe('sources', () => {
    it('keeps a source whole, secret included, and reads it back by tenant and id or by id alone', async () => {
      const source = buildSource('t1');
      await sources.createSource(source);
      expect(await sources.getSource('t1', source.id)).toEqual(source);
      expect(await sources.findSource(source.id)).toEqual(source);
      expect(await sources.findSource('src_missing')).toBeNull();
    });

    it("lists a tenant's sources oldest first, and none of another tenant's", async () => {
      const later = buildSource('t1', { created_at: at(5), updated_at: at(5) });
      const earlier = buildSource('t1', { created_at: at(1), updated_at: at(1) });
      await sources.createSource(later);
      await sources.createSource(earlier);
      await sources.createSource(buildSource('t2'));
      expect((await sources.listSources('t1')).map((source) => source.id)).toEqual([earlier.id, later.id]);
      expect(await sources.listSources('t3')).toEqual([]);
    });

    it('keeps any code as it is: dots, dollars, spaces and names of Object.prototype members', async () => {
      const statusMap = { 'A.1': 'shipped', $set: 'in_transit', 'out for delivery': 'out_for_delivery', constructor: 'delivered', toString: 'returned' } as const;
      const source = buildSource('t1', { status_map: statusMap });
      await sources.createSource(source);
      expect((await sources.getSource('t1', source.id))!.status_map).toEqual(statusMap);
    });

    it("another tenant's source is absent to read, change and remove, and stays as it was", async () => {
      const source = buildSource('t1');
      await sources.createSource(source);
      expect(await sources.getSource('t2', source.id)).toBeNull();
      expect(await sources.updateSource('t2', source.id, { name: 'Mine now', updated_at: at(1) })).toBeNull();
      expect(await sources.deleteSource('t2', source.id)).toBe(false);
      expect(await sources.getSource('t1', source.id)).toEqual(source);
    });

    it('changes the name alone, or replaces the status map whole, keeping the rest', async () => {
      const source = buildSource('t1');
      await sources.createSource(source);
      const renamed = await sources.updateSource('t1', source.id, { name: 'Renamed', updated_at: at(1) });
      expect(renamed).toEqual({ ...source, name: 'Renamed', updated_at: at(1) });
      const remapped = await sources.updateSource('t1', source.id, { status_map: { X: 'cancelled' }, updated_at: at(2) });
      expect(remapped).toEqual({ ...source, name: 'Renamed', status_map: { X: 'cancelled' }, updated_at: at(2) });
      expect(await sources.getSource('t1', source.id)).toEqual(remapped);
      expect(await sources.updateSource('t1', 'src_missing', { name: 'x', updated_at: at(3) })).toBeNull();
    });

    it('removes a source with its message records', async () => {
      const source = buildSource('t1');
      await sources.createSource(source);
      const first = claim(10);
      await sources.claimMessage(source.id, 'msg_1', first);
      await sources.answerMessage(source.id, 'msg_1', first.token, '{"results":[]}', at(10));
      expect(await sources.deleteSource('t1', source.id)).toBe(true);
      expect(await sources.findSource(source.id)).toBeNull();
      expect(await sources.deleteSource('t1', source.id)).toBe(false);
      // The record went with it: the same id under the same source id is new again.
      expect(await sources.claimMessage(source.id, 'msg_1', claim(11))).toEqual({ kind: 'claimed' });
    });
  });

  describe('message records', () => {
    it('grants the first claim; a fresh claim held by another is pending; the answer is then returned as stored', async () => {
      const first = claim(10);
      expect(await sources.claimMessage('src_a', 'msg_1', first)).toEqual({ kind: 'claimed' });
      expect(await sources.claimMessage('src_a', 'msg_1', claim(10))).toEqual({ kind: 'pending' });
      const answer = JSON.stringify({ results: [{ event_id: 'e1', outcome: 'applied', seq: 2 }] });
      await sources.answerMessage('src_a', 'msg_1', first.token, answer, at(10));
      expect(await sources.claimMessage('src_a', 'msg_1', claim(11))).toEqual({ kind: 'answered', answer });
      // Answered is final, however old.
      expect(await sources.claimMessage('src_a', 'msg_1', claim(10_000))).toEqual({ kind: 'answered', answer });
    });

    it('keys records by source and webhook id: the same id from another source is another message', async () => {
      expect(await sources.claimMessage('src_a', 'msg_1', claim(10))).toEqual({ kind: 'claimed' });
      expect(await sources.claimMessage('src_b', 'msg_1', claim(10))).toEqual({ kind: 'claimed' });
      expect(await sources.claimMessage('src_a', 'msg_2', claim(10))).toEqual({ kind: 'claimed' });
    });

    it('only the holder of a claim answers it, and the first answer stands', async () => {
      const holder = claim(10);
      await sources.claimMessage('src_a', 'msg_1', holder);
      await sources.answerMessage('src_a', 'msg_1', 'not-the-holder', '{"results":["other"]}', at(10));
      expect(await sources.claimMessage('src_a', 'msg_1', claim(10))).toEqual({ kind: 'pending' });
      await sources.answerMessage('src_a', 'msg_1', holder.token, '{"results":["first"]}', at(10));
      await sources.answerMessage('src_a', 'msg_1', holder.token, '{"results":["second"]}', at(10));
      expect(await sources.claimMessage('src_a', 'msg_1', claim(11))).toEqual({ kind: 'answered', answer: '{"results":["first"]}' });
    });

    it('a released claim lets the next delivery claim afresh; only its holder releases it, and never an answered one', async () => {
      const holder = claim(10);
      await sources.claimMessage('src_a', 'msg_1', holder);
      await sources.releaseMessage('src_a', 'msg_1', 'not-the-holder');
      expect(await sources.claimMessage('src_a', 'msg_1', claim(10))).toEqual({ kind: 'pending' });
      await sources.releaseMessage('src_a', 'msg_1', holder.token);
      const next = claim(10);
      expect(await sources.claimMessage('src_a', 'msg_1', next)).toEqual({ kind: 'claimed' });
      await sources.answerMessage('src_a', 'msg_1', next.token, '{"results":[]}', at(10));
      await sources.releaseMessage('src_a', 'msg_1', next.token);
      expect(await sources.claimMessage('src_a', 'msg_1', claim(11))).toEqual({ kind: 'answered', answer: '{"results":[]}' });
    });

    it('takes over a stale unanswered claim; the one it replaced can no longer answer or release', async () => {
      const dead = claim(10);
      await sources.claimMessage('src_a', 'msg_1', dead);
      // Claimed at minute 10; at minute 12 a claim older than minute 11 is stale.
      const takeover = claim(12, 1);
      expect(await sources.claimMessage('src_a', 'msg_1', takeover)).toEqual({ kind: 'claimed' });
      await sources.answerMessage('src_a', 'msg_1', dead.token, '{"results":["dead"]}', at(12));
      await sources.releaseMessage('src_a', 'msg_1', dead.token);
      expect(await sources.claimMessage('src_a', 'msg_1', claim(12, 1))).toEqual({ kind: 'pending' });
      await sources.answerMessage('src_a', 'msg_1', takeover.token, '{"results":["takeover"]}', at(12));
      expect(await sources.claimMessage('src_a', 'msg_1', claim(13))).toEqual({ kind: 'answered', answer: '{"results":["takeover"]}' });
    });

    it('grants exactly one of many concurrent claims of one message, across two instances', async () => {
      const claims = Array.from({ length: 12 }, () => claim(10));
      const results = await Promise.all(
        claims.map((each, index) => (index % 2 === 0 ? sources : stores.twin).claimMessage('src_a', 'msg_race', each)),
      );
      expect(results.filter((result) => result.kind === 'claimed')).toHaveLength(1);
      expect(results.filter((result) => result.kind === 'pending')).toHaveLength(11);
    });

    it('prunes records claimed before a time, at most `limit` at once, and keeps the newer ones', async () => {
      for (const minute of [1, 2, 3]) await sources.claimMessage('src_a', `old_${minute}`, claim(minute));
      const kept = claim(20);
      await sources.claimMessage('src_a', 'new', kept);
      expect(await sources.pruneMessages(at(10), 2)).toBe(2);
      expect(await sources.pruneMessages(at(10), 2)).toBe(1);
      expect(await sources.pruneMessages(at(10), 2)).toBe(0);
      expect(await sources.claimMessage('src_a', 'old_1', claim(21))).toEqual({ kind: 'claimed' });
      expect(await sources.claimMessage('src_a', 'new', claim(21))).toEqual({ kind: 'pending' });
    });
  });

  describe('orders by external id', () => {
    it("finds the tenant's orders in the namespace asked for, and nothing of other tenants or namespaces", async () => {
      const tenant = buildTenant();
      const other = buildTenant();
      const place = async (tenantId: string, externalId: string, externalScope: string): Promise<string> => {
        const order = buildOrder(tenantId, { external_id: externalId });
        await stores.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope });
        return order.id;
      };
      const one = await place(tenant.id, 'ext-1', 'tenant');
      const two = await place(tenant.id, 'ext-2', 'tenant');
      await place(tenant.id, 'ext-3', 'customer:c1');
      await place(other.id, 'ext-4', 'tenant');
      const found = await sources.orderIdsByExternalId(tenant.id, 'tenant', ['ext-1', 'ext-2', 'ext-3', 'ext-4', 'ext-missing']);
      expect(found.sort((a, b) => a.external_id.localeCompare(b.external_id))).toEqual([
        { external_id: 'ext-1', order_id: one },
        { external_id: 'ext-2', order_id: two },
      ]);
      expect(await sources.orderIdsByExternalId(tenant.id, 'tenant', [])).toEqual([]);
    });
  });
}

import { hashApiKey } from '../../src/auth/token-service';
import { DeliveryLogService } from '../../src/services/delivery-log-service';
import { PreferenceService } from '../../src/services/preference-service';
import { ReportService } from '../../src/services/report-service';
import { TenantService } from '../../src/services/tenant-service';
import type { Delivery } from '../../src/store/deliveries/port';
import type { ExportedOrder, ReportSummary } from '../../src/store/search/port';
import type { Tenant } from '../../src/store/tenants/port';

// The services' clock: every use case here reads it through `now`.
const NOW = new Date('2024-03-01T12:00:00.000Z');
const now = () => NOW;

describe('TenantService', () => {
  it('creates a tenant at the rate of one point per unit, keeping only its API key hash', async () => {
    const created: Array<[Tenant, string]> = [];
    const tenants = new TenantService({
      store: {
        tenants: { createTenant: async (tenant, hash) => void created.push([tenant, hash]), getTenantSettings: async () => null, putTenantSettings: async () => true, findTenantIdBySlug: async () => null },
      },
      now,
    });
    const { tenant, apiKey } = await tenants.create('Acme');
    expect(tenant).toEqual({ id: expect.stringMatching(/^ten_/), name: 'Acme', points_per_unit: 1, created_at: NOW.toISOString() });
    expect(apiKey).toMatch(/^ak_/);
    expect(created).toEqual([[tenant, hashApiKey(apiKey)]]);
  });
});

describe('PreferenceService', () => {
  it('stores what was chosen, an address left out as null, push and language left out as before (at first: on, none), stamped with the clock', async () => {
    const stored: unknown[] = [];
    const preferences = new PreferenceService({
      store: {
        preferences: { getPreferences: async () => null, putPreferences: async (...args) => void stored.push(args) },
        contacts: { contactStanding: async () => ({ preferences: [], order: [], confirmed: [] }), putSelfSet: async () => {} },
      },
      now,
    });
    const result = await preferences.set('t1', 'c1', { email: true, sms: false, email_address: 'ada@example.com' });
    const expected = { email: true, sms: false, push: true, email_address: 'ada@example.com', phone: null, locale: null, updated_at: NOW.toISOString() };
    expect(result).toEqual(expected);
    expect(stored).toEqual([['t1', 'c1', expected]]);
  });

  it('keeps the stored push and language when a change leaves them out, and replaces them when it gives them', async () => {
    const kept = { email: true, sms: true, push: false, email_address: null, phone: null, locale: 'ar' as const, updated_at: 'earlier' };
    const stored: unknown[] = [];
    const preferences = new PreferenceService({
      store: {
        preferences: { getPreferences: async () => kept, putPreferences: async (...args) => void stored.push(args[2]) },
        contacts: { contactStanding: async () => ({ preferences: [], order: [], confirmed: [] }), putSelfSet: async () => {} },
      },
      now,
    });
    expect(await preferences.set('t1', 'c1', { email: false, sms: true })).toMatchObject({ email: false, push: false, locale: 'ar' });
    expect(await preferences.set('t1', 'c1', { email: false, sms: true, push: true, locale: null })).toMatchObject({ push: true, locale: null });
    expect(await preferences.set('t1', 'c1', { email: false, sms: true, locale: 'zh-HK' })).toMatchObject({ push: false, locale: 'zh-HK' });
    expect(stored).toHaveLength(3);
  });
});

describe('DeliveryLogService', () => {
  it('lists outcomes only, oldest first as stored, leaving the in-flight records out', async () => {
    const delivery = (status: Delivery['status'], seq: number): Delivery => ({
      order_id: 'o1',
      seq,
      channel: 'email',
      status,
      attempts: 1,
      at: NOW.toISOString(),
      reason: null,
      error: null,
    });
    const log = [delivery('sent', 2), delivery('sending', 3), delivery('retrying', 4), delivery('failed', 5), delivery('skipped', 6)];
    const deliveries = new DeliveryLogService({ store: { deliveries: { listDeliveries: async () => log } } });
    expect((await deliveries.outcomes('o1')).map((entry) => [entry.seq, entry.status])).toEqual([
      [2, 'sent'],
      [5, 'failed'],
      [6, 'skipped'],
    ]);
  });
});

describe('ReportService', () => {
  const nothing: ReportSummary = {
    placed: 0,
    delivered: 0,
    returned: 0,
    cancelled: 0,
    failed_attempts: 0,
    on_time_rate: null,
    delivery_time_s: null,
    by_courier: [],
    by_day: [],
  };
  const exported = (id: string, promisedBy: string | null, deliveredAt: string | null): ExportedOrder => ({
    id,
    external_id: null,
    status: deliveredAt ? 'delivered' : 'in_transit',
    courier_id: null,
    created_at: '2024-03-01T00:00:00.000Z',
    delivered_at: deliveredAt,
    promised_by: promisedBy,
    amount: null,
    customer_id: 'c1',
  });

  // The payment report is the store's answer as it is: nothing to decide here.
  const NO_PAYMENTS = { paymentReport: async () => ({ by_provider: [], cash: [], unmatched: 0 }) };

  it('asks the summary as of its clock', async () => {
    const asked: string[] = [];
    const reports = new ReportService({
      store: {
        search: {
          reportSummary: async (_tenant, _range, nowIso) => {
            asked.push(nowIso);
            return nothing;
          },
          exportOrders: () => ({ [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) }),
        },
        payments: NO_PAYMENTS,
      },
      now,
    });
    await reports.summary('t1', { from: '2024-03-01T00:00:00.000Z', to: '2024-03-02T00:00:00.000Z' });
    expect(asked).toEqual([NOW.toISOString()]);
  });

  it('decides each exported order’s promise as of the export, and ends the store’s reads at once when ended', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let pagesRead = 0;
    let ended = false;
    const page = [
      exported('kept', '2024-03-01T10:00:00.000Z', '2024-03-01T09:00:00.000Z'),
      exported('late', '2024-03-01T10:00:00.000Z', '2024-03-01T11:00:00.000Z'),
      exported('past', '2024-03-01T10:00:00.000Z', null),
      exported('open', '2024-03-02T10:00:00.000Z', null),
    ];
    const reports = new ReportService({
      store: {
        search: {
          reportSummary: async () => nothing,
          exportOrders: () => ({
            [Symbol.asyncIterator]: () => ({
              next: async () => {
                if (pagesRead++ === 0) return { done: false, value: page };
                await held; // the second read is held
                return { done: true, value: undefined };
              },
              return: async () => {
                ended = true;
                return { done: true, value: undefined };
              },
            }),
          }),
        },
        payments: NO_PAYMENTS,
      },
      now,
    });
    const rows = reports.exportOrders('t1', {});
    const first = await rows.next();
    expect(first.done).toBe(false);
    expect((first.value as Array<{ id: string; on_time: boolean | null }>).map((row) => [row.id, row.on_time])).toEqual([
      ['kept', true],
      ['late', false],
      ['past', false],
      ['open', null],
    ]);
    void rows.next(); // a read pending in the store…
    await rows.return!(); // …does not delay the end
    expect(ended).toBe(true);
    release();
  });
});

/**
 * Points accounts through the API, as the loyalty tests read and spend them: an account, the invariants every
 * account keeps, redemptions and the tenant's rate.
 */
import { client, type ApiResponse } from './http';

export interface Money {
  value: number;
  currency: string;
}

/** A ledger entry as `GET /v1/customers/:id/loyalty` and the redemption route return it. */
export interface WireEntry {
  id: string;
  delta: number;
  reason: 'accrual' | 'reversal' | 'redemption';
  order_id?: string;
  kind?: 'discount' | 'charity';
  shortfall?: number;
  at: string;
}

export interface Account {
  customer_id: string;
  balance: number;
  entries: WireEntry[];
}

/** `GET /v1/customers/:id/loyalty`; anything but 200 fails the test with the answer. */
export async function getAccount(url: string, token: string, customerId: string): Promise<Account> {
  const response = await client(url, token).get(`/v1/customers/${encodeURIComponent(customerId)}/loyalty`);
  if (response.status !== 200) throw new Error(`GET loyalty of ${customerId}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Account;
}

/** The entries of one reason, in ledger order. */
export function entriesOf(account: Account, reason: WireEntry['reason']): WireEntry[] {
  return account.entries.filter((entry) => entry.reason === reason);
}

/**
 * What every account keeps, whatever happened to it: the balance is the sum of its entries and never negative,
 * each order has at most one accrual and one reversal, accruals add, reversals and redemptions take.
 */
export function expectConsistentAccount(account: Account): void {
  const sum = account.entries.reduce((total, entry) => total + entry.delta, 0);
  expect({ balance: account.balance, sumOfEntries: sum }).toEqual({ balance: sum, sumOfEntries: sum });
  expect(account.balance).toBeGreaterThanOrEqual(0);
  for (const reason of ['accrual', 'reversal'] as const) {
    const orders = entriesOf(account, reason).map((entry) => entry.order_id);
    expect(orders.every((orderId) => typeof orderId === 'string')).toBe(true);
    expect(new Set(orders).size).toBe(orders.length);
  }
  expect(entriesOf(account, 'accrual').every((entry) => entry.delta > 0)).toBe(true);
  expect(entriesOf(account, 'reversal').every((entry) => entry.delta <= 0)).toBe(true);
  expect(entriesOf(account, 'redemption').every((entry) => entry.delta < 0 && entry.order_id === undefined)).toBe(true);
}

export interface Redemption {
  points: unknown;
  kind: unknown;
  event_id: unknown;
}

/** `POST /v1/customers/:id/loyalty/redemptions`, answer returned as is. */
export function redeem(url: string, token: string, customerId: string, body: Partial<Redemption>): Promise<ApiResponse> {
  return client(url, token).post(`/v1/customers/${encodeURIComponent(customerId)}/loyalty/redemptions`, body);
}

/** `PUT /v1/loyalty/settings` with the business key; anything but 200 fails the test. */
export async function setRate(url: string, apiKey: string, pointsPerUnit: number): Promise<void> {
  const response = await client(url, apiKey).put('/v1/loyalty/settings', { points_per_unit: pointsPerUnit });
  if (response.status !== 200) throw new Error(`PUT loyalty settings: ${response.status} ${JSON.stringify(response.body)}`);
  expect(response.body).toEqual({ points_per_unit: pointsPerUnit });
}

/** Counts of each value, for comparing multisets in one assertion. */
export function tally<T>(values: T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

/**
 * The dashboard's payments end to end (API.md "Payments", "Pages"): real Chromium, a real node, real Redis. The board
 * and the order view show where each order's payment stands (nothing for `none`); the Transactions view
 * (`#/transactions`) shows the range's totals, lists the transactions with their filters and cursor pages (amounts in
 * the currency's format, the order linked, the courier for cash), matches an unmatched one by hand (a wrong order id
 * refused in words) and downloads the CSV with the same filters. The business and staff both read it.
 * Writes docs/screenshots/dashboard-transactions.png.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { buildPages } from '../../src/web/build';
import { closeBrowser, DESK, foreignHosts, screenshot, type TestPage } from '../support/browser';
import { openDashboard } from '../support/dashboard-page';
import { client, type Client } from '../support/http';
import { unique } from '../support/ids';
import { startTestNode, type TestNode } from '../support/node';
import { assignCourier, placeOrder, postStatus, type PlacedOrder } from '../support/orders';
import { createTenant, type Tenant } from '../support/tenant';

jest.setTimeout(90_000);

const HKD = (value: number) => ({ value, currency: 'HKD' });

let node: TestNode;
const pages: TestPage[] = [];

beforeAll(async () => {
  await buildPages();
  node = await startTestNode({ env: { REDIS_PREFIX: unique('dash-transactions') } });
}, 120_000);

afterEach(async () => {
  while (pages.length) await pages.pop()!.context.close();
});

afterAll(async () => {
  await closeBrowser();
  await node?.close();
});

describe('payment badges', () => {
  test('the board shows each order’s payment beside its status, nothing when none is recorded; staff see the same', async () => {
    const shop = await freshShop('Harbour Goods');
    const due = await placeOrder(shop.biz, { external_id: 'HG-5001', amount: HKD(12900), payment: { method: 'cash' } });
    const collected = await cashCollected(shop, 'HG-5002', 25800);
    const unpaid = await placeOrder(shop.biz, { external_id: 'HG-5003', amount: HKD(9900) });

    for (const token of [shop.tenant.apiKey, await shop.tenant.token('staff', 'staff-amy')]) {
      const view = await open(token);
      await orderRow(view.page, unpaid.id).waitFor();
      expect(await badgeOf(view.page, due.id)).toEqual({ status: 'cod_due', text: 'Cash due' });
      expect(await badgeOf(view.page, collected.id)).toEqual({ status: 'cod_collected', text: 'Cash collected' });
      expect(await orderRow(view.page, unpaid.id).getByTestId('payment-badge').count()).toBe(0);
      // The payment never stands in for the delivery status.
      expect(await orderRow(view.page, collected.id).getAttribute('data-status')).toBe('out_for_delivery');
      expectClean(view);
    }

    // Live: a payment recorded meanwhile shows on its row without a reload (the tenant feed's payment_update).
    const view = await open(shop.tenant.apiKey);
    await orderRow(view.page, unpaid.id).waitFor();
    const posted = await shop.biz.post(`/v1/orders/${unpaid.id}/payments`, { event_id: 'live-1', kind: 'payment', amount: HKD(9900), method: 'card' });
    expect(posted.status).toBe(201);
    await orderRow(view.page, unpaid.id).locator('[data-testid=payment-badge][data-payment-status=paid]').waitFor();
    expectClean(view);
  });

  test('the order view shows the payment as a badge with its amounts, and words when none is recorded', async () => {
    const shop = await freshShop('Harbour Goods');
    const collected = await cashCollected(shop, 'HG-5101', 25800);
    const unpaid = await placeOrder(shop.biz, { external_id: 'HG-5102', amount: HKD(9900) });
    const view = await open(shop.tenant.apiKey);

    await view.page.goto(`${node.url}/dashboard#/orders/${collected.id}`);
    const payment = view.page.getByTestId('order-payment');
    await payment.waitFor();
    const badge = payment.getByTestId('payment-badge');
    expect(await badge.getAttribute('data-payment-status')).toBe('cod_collected');
    expect(await badge.innerText()).toBe('Cash collected');
    expect((await payment.innerText()).replace(/\s+/g, ' ')).toMatch(/Cash collected ?Cash due HK\$258\.00 · paid HK\$258\.00/);

    await view.page.goto(`${node.url}/dashboard#/orders/${unpaid.id}`);
    await view.page.locator(`[data-testid=order-payment][data-payment-status=none]`).waitFor();
    expect(await view.page.getByTestId('order-payment').getByTestId('payment-badge').count()).toBe(0);
    expect(await view.page.getByTestId('order-payment').innerText()).toMatch(/No payment recorded/);
    expectClean(view);
  });
});

describe('transactions view', () => {
  test('the tab opens #/transactions with the range’s totals: cash collected and still due, and nothing unmatched', async () => {
    const shop = await freshShop('Kowloon Bakery');
    await cashCollected(shop, 'KB-6001', 12900);
    const due = await placeOrder(shop.biz, { external_id: 'KB-6002', amount: HKD(4500), payment: { method: 'cash' } });
    await assignCourier(shop.biz, due.id, 'k-wong');

    const view = await openDashboard({ url: node.url, token: await shop.tenant.token('staff', 'staff-amy'), view: 'transactions' });
    pages.push(view);
    expect(new URL(view.page.url()).hash).toBe('#/transactions');
    expect(await view.page.getByTestId('tab-transactions').getAttribute('aria-current')).toBe('page');
    expect(await view.page.title()).toBe('Transactions · Dashboard');
    const cash = view.page.locator('[data-testid=totals-cash][data-currency=HKD]');
    await cash.waitFor();
    expect((await cash.innerText()).replace(/\s+/g, ' ')).toMatch(/Cash · HKD HK\$129\.00 collected · HK\$45\.00 still to collect/);
    expect(await view.page.getByTestId('totals-unmatched').getAttribute('data-count')).toBe('0');
    // The list itself comes from GET /v1/payments/transactions, which this node may not serve yet: not judged here.
  });

  it('lists the transactions with amounts, order links and the courier for cash; filters, pages with “More”, downloads the CSV', async () => {
    const shop = await freshShop('Kowloon Bakery');
    const card = await placeOrder(shop.biz, { external_id: 'KB-7001', customer: { id: 'c-lam', name: 'Lam Wing Sze' }, amount: HKD(48000) });
    const paid = await post(shop.biz, card.id, { event_id: 'bank-7001', kind: 'payment', amount: HKD(48000), method: 'bank_transfer', reference: 'FPS-20931' });
    const refund = await post(shop.biz, card.id, { event_id: 'refund-7001', kind: 'refund', amount: HKD(8000), method: 'bank_transfer' });
    const cashOrder = await cashCollected(shop, 'KB-7002', 12900);

    const view = await openTransactions(shop.tenant.apiKey);
    await transactionRow(view.page, refund.id).waitFor();
    const paidRow = transactionRow(view.page, paid.id);
    expect(await paidRow.getByTestId('transaction-amount').innerText()).toBe('HK$480.00');
    expect(await transactionRow(view.page, refund.id).getByTestId('transaction-amount').innerText()).toBe('−HK$80.00');
    expect(await paidRow.getByTestId('transaction-order').getAttribute('href')).toBe(`#/orders/${card.id}`);
    const cashRow = view.page.locator(`[data-testid=transaction-row][data-kind=cod_collected]`);
    expect(await cashRow.getByTestId('transaction-courier').innerText()).toBe('k-wong');
    expect(await cashRow.getByTestId('transaction-order').innerText()).toBe(cashOrder.id);

    // Payment badges follow: Paid less a part refunded, on the board.
    await view.page.getByTestId('tab-orders').click();
    expect(await badgeOf(view.page, card.id)).toEqual({ status: 'partially_refunded', text: 'Part refunded' });
    await view.page.getByTestId('tab-transactions').click();

    // Kind and order filters narrow the list to what the API answers for the same query.
    await view.page.getByTestId('transactions-kind').selectOption('refund');
    await view.page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid=transaction-row]')).every((row) => row.getAttribute('data-kind') === 'refund'));
    expect(await rowIds(view.page)).toEqual([refund.id]);
    await view.page.getByTestId('transactions-kind').selectOption('');
    await view.page.getByTestId('transactions-order').fill(cashOrder.id);
    await view.page.getByTestId('transactions-order').press('Enter');
    await view.page.waitForFunction(() => document.querySelectorAll('[data-testid=transaction-row]').length === 1);
    expect(await view.page.locator('[data-testid=transaction-row]').getAttribute('data-kind')).toBe('cod_collected');

    // The CSV carries the same filters.
    await view.page.getByTestId('transactions-provider').selectOption('none');
    const csv = await downloadCsv(view.page);
    const lines = csv.trim().split(/\r?\n/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(cashOrder.id);
    expect(csv).not.toContain(card.id);

    // Pages: more than one page of transactions, walked with "More" to the end.
    for (let index = 0; index < 120; index += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, step) => post(shop.biz, card.id, { event_id: `tip-${index + step}`, kind: 'payment', amount: HKD(100), method: 'card' })),
      );
    }
    await view.page.getByTestId('transactions-order').fill('');
    await view.page.getByTestId('transactions-order').press('Enter');
    await view.page.getByTestId('transactions-provider').selectOption('');
    const total = await countAll(shop.biz);
    expect(total).toBe(123);
    const more = view.page.getByTestId('transactions-more');
    await more.waitFor();
    while (await more.isVisible()) {
      const before = await view.page.locator('[data-testid=transaction-row]').count();
      await more.click();
      await view.page.waitForFunction((n) => document.querySelectorAll('[data-testid=transaction-row]').length > n, before);
    }
    expect(new Set(await rowIds(view.page)).size).toBe(total);
    expectClean(view);
  });

  it('an unmatched transaction is counted, shown with its filter and matched by hand; a wrong order id is refused in words', async () => {
    const shop = await freshShop('Kowloon Bakery');
    const order = await placeOrder(shop.biz, { external_id: 'KB-8001', amount: HKD(32000) });
    const provider = await shop.biz.post('/v1/payment-providers', { provider: 'stripe', name: 'Stripe HK', credentials: { webhook_secret: 'whsec_dash' } });
    expect(provider.status).toBe(201);
    await stripeEvent(provider.body.id, 'whsec_dash', { id: 'evt_dash_1', orderRef: 'KB-UNKNOWN', amount: 32000 });
    await stripeEvent(provider.body.id, 'whsec_dash', { id: 'evt_dash_2', orderRef: order.id, amount: 1500 });

    const view = await openTransactions(shop.tenant.apiKey);
    const unmatched = view.page.getByTestId('totals-unmatched');
    await view.page.locator('[data-testid=totals-unmatched][data-count="1"]').waitFor();
    const stripe = view.page.locator('[data-testid=totals-provider][data-provider=stripe][data-currency=HKD]');
    expect((await stripe.innerText()).replace(/\s+/g, ' ')).toMatch(/Stripe · HKD HK\$335\.00 paid/);

    await unmatched.getByTestId('show-unmatched').click();
    await view.page.waitForFunction(() => {
      const rows = Array.from(document.querySelectorAll('[data-testid=transaction-row]'));
      return rows.length === 1 && rows[0]!.getAttribute('data-matched') === 'false';
    });
    const row = view.page.locator('[data-testid=transaction-row]');
    const id = (await row.getAttribute('data-transaction-id'))!;
    await row.getByTestId('transaction-match').click();
    await row.getByTestId('transaction-match-order').fill('ord_nowhere');
    await row.getByTestId('transaction-match-submit').click();
    expect(await row.getByTestId('transaction-match-error').innerText()).toBe('There is no order “ord_nowhere” (or this transaction no longer exists).');

    await row.getByTestId('transaction-match-order').fill(order.id);
    await row.getByTestId('transaction-match-submit').click();
    // Matched, it leaves the unmatched list (however soon the list is read again) and the count goes to 0.
    await view.page.locator('[data-testid=totals-unmatched][data-count="0"]').waitFor();
    const listed = await shop.biz.get(`/v1/payments/transactions?order_id=${order.id}`);
    expect((listed.body.items as Array<{ id: string }>).map((item) => item.id)).toContain(id);

    // The screenshot: the range's totals and the transactions, at desk size; the matched one names its order.
    await view.page.getByTestId('transactions-match').selectOption('');
    await transactionRow(view.page, id).getByTestId('transaction-order').waitFor();
    await settle(view.page);
    await screenshot(view.page, 'dashboard-transactions');
    expectClean(view, [/status of 404/]);
  });
});

// ---------- helpers ----------

interface Shop {
  tenant: Tenant;
  biz: Client;
}

/** A tenant of its own (the totals are per tenant), with a courier. */
async function freshShop(name: string): Promise<Shop> {
  const tenant = await createTenant(node.url, name);
  const biz = client(node.url, tenant.apiKey);
  expect((await biz.post('/v1/couriers', { id: 'k-wong', name: 'Wong Siu Ming', vehicle: 'Van' })).status).toBe(201);
  return { tenant, biz };
}

/** A cash order out for delivery whose courier collected its amount. */
async function cashCollected({ tenant, biz }: Shop, externalId: string, value: number): Promise<PlacedOrder> {
  const order = await placeOrder(biz, { external_id: externalId, amount: HKD(value), payment: { method: 'cash' } });
  await assignCourier(biz, order.id, 'k-wong');
  await postStatus(biz, order.id, 'out_for_delivery');
  const courier = client(node.url, await tenant.token('courier', 'k-wong'));
  await post(courier, order.id, { event_id: `cash-${externalId}`, kind: 'cod_collected', amount: HKD(value) });
  return order;
}

async function post(api: Client, orderId: string, body: Record<string, unknown>): Promise<{ id: string }> {
  const answer = await api.post(`/v1/orders/${orderId}/payments`, body);
  if (answer.status !== 201) throw new Error(`payment on ${orderId}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** A Stripe notification as Stripe signs it (`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")`). */
async function stripeEvent(providerId: string, secret: string, event: { id: string; orderRef: string; amount: number }): Promise<void> {
  const body = JSON.stringify({
    id: event.id,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `pi_${event.id}`, object: 'payment_intent', amount: event.amount, amount_received: event.amount, currency: 'hkd', metadata: { order_id: event.orderRef } } },
  });
  const t = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  const answer = await client(node.url).post(`/v1/payment-providers/${providerId}/events`, undefined, {
    rawBody: body,
    headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${signature}` },
  });
  if (answer.status >= 300) throw new Error(`stripe event: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** Every transaction of the tenant, counted through the API's pages. */
async function countAll(api: Client): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const answer: { status: number; body: { items: unknown[]; next_cursor: string | null } } = await api.get(`/v1/payments/transactions${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(answer.status).toBe(200);
    count += answer.body.items.length;
    cursor = answer.body.next_cursor;
  } while (cursor);
  return count;
}

async function open(token: string): Promise<TestPage> {
  const view = await openDashboard({ url: node.url, token, viewport: DESK });
  pages.push(view);
  return view;
}

async function openTransactions(token: string): Promise<TestPage> {
  const view = await openDashboard({ url: node.url, token, view: 'transactions' });
  pages.push(view);
  return view;
}

function orderRow(page: Page, orderId: string) {
  return page.locator(`[data-testid=order-row][data-order-id="${orderId}"]`);
}

function transactionRow(page: Page, id: string) {
  return page.locator(`[data-testid=transaction-row][data-transaction-id="${id}"]`);
}

async function badgeOf(page: Page, orderId: string): Promise<{ status: string | null; text: string }> {
  const badge = orderRow(page, orderId).getByTestId('payment-badge');
  return { status: await badge.getAttribute('data-payment-status'), text: await badge.innerText() };
}

async function rowIds(page: Page): Promise<string[]> {
  return page.locator('[data-testid=transaction-row]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-transaction-id')!));
}

async function downloadCsv(page: Page): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('transactions-csv').click()]);
  expect(download.suggestedFilename()).toBe('transactions.csv');
  return fs.readFileSync((await download.path())!, 'utf8');
}

/** Nothing loading, no hover highlight where the last click was, fonts ready. */
async function settle(page: Page): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForFunction(() => !document.querySelector('.loading, .button[aria-busy="true"]'));
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
}

function expectClean(view: TestPage, expected: RegExp[] = []): void {
  expect(view.errors.filter((error) => !expected.some((pattern) => pattern.test(error)))).toEqual([]);
  expect(foreignHosts(view.requests, [new URL(node.url).host])).toEqual([]);
}

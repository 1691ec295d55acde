/**
 * The dashboard's customer data actions (API.md "Privacy") in real Chromium: the order view exports the order's
 * customer as a JSON download, and erases their personal data only after a confirmation.
 */
import fs from 'node:fs';
import { buildPages } from '../../src/web/build';
import { closeBrowser, openPage, type TestPage } from '../support/browser';
import { client } from '../support/http';
import { unique } from '../support/ids';
import { startTestNode, type TestNode } from '../support/node';
import { createTenant } from '../support/tenant';

jest.setTimeout(90_000);

let node: TestNode;
let view: TestPage | undefined;

beforeAll(async () => {
  // The bundle must hold the current dashboard sources.
  await buildPages();
  node = await startTestNode({ env: { REDIS_PREFIX: unique('dashboard-privacy') } });
}, 120_000);

afterAll(async () => {
  await view?.context.close();
  await closeBrowser();
  await node?.close();
});

test('exports a customer as JSON and erases their personal data after a confirmation', async () => {
  const tenant = await createTenant(node.url, 'Harbour Goods');
  const api = client(node.url, tenant.apiKey);
  const placed = await api.post('/v1/orders', {
    external_id: 'HG-PRIV-1',
    customer: { id: 'cust-priv', name: 'Wilhelmina Privacy', email: 'wilhelmina@private.example' },
    destination: { address: '3 Quiet Court' },
  });
  expect(placed.status).toBe(201);

  view = await openPage();
  const { page } = view;
  await page.goto(`${node.url}/dashboard`);
  await page.getByTestId('signin-token').fill(tenant.apiKey);
  await page.getByTestId('signin-submit').click();
  // Signing in checks the token with the API before it is kept: wait for the board it opens on.
  await page.locator(`[data-testid=order-row][data-order-id="${placed.body.id}"]`).waitFor();
  await page.goto(`${node.url}/dashboard#/orders/${placed.body.id}`);
  await page.getByTestId('order-view').waitFor();
  await page.getByText('Wilhelmina Privacy').waitFor();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('customer-export').click()]);
  expect(download.suggestedFilename()).toBe('customer-cust-priv.json');
  const exported = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
  expect(exported.customer).toEqual({ id: 'cust-priv', name: 'Wilhelmina Privacy', email: 'wilhelmina@private.example' });
  expect(exported.orders.map((order: { id: string }) => order.id)).toEqual([placed.body.id]);

  // Cancelling the confirmation erases nothing.
  await page.getByTestId('customer-erase').click();
  await page.getByTestId('erase-dialog').waitFor({ state: 'visible' });
  await page.getByTestId('erase-cancel').click();
  await page.getByTestId('erase-dialog').waitFor({ state: 'hidden' });
  expect((await api.get(`/v1/orders/${placed.body.id}`)).body.customer.name).toBe('Wilhelmina Privacy');

  await page.getByTestId('customer-erase').click();
  await page.getByTestId('erase-confirm').click();
  await page.getByTestId('customer-privacy-result').getByText('erased from 1 order').waitFor();
  await page.getByText('Wilhelmina Privacy').waitFor({ state: 'detached' });
  expect((await api.get(`/v1/orders/${placed.body.id}`)).body.customer).toEqual({ id: 'cust-priv' });
});

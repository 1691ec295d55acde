/**
 * The tracking page and Arrival (API.md "Arrival", "Pages") in real Chromium against a real node: the ETA shows and
 * follows the courier live (`eta_update`), and "courier is near" appears once it comes within the arrival radius.
 */
import { buildPage } from '../../src/web/build';
import { courierClient, outForDelivery } from '../support/arrival';
import { trackPositions } from '../support/arrival-track';
import { closeBrowser, openPage, PHONE, type TestPage } from '../support/browser';
import { client } from '../support/http';
import { unique } from '../support/ids';
import { startTestNode, type TestNode } from '../support/node';
import { createTenant, type Tenant } from '../support/tenant';

jest.setTimeout(90_000);

let node: TestNode;
let tenant: Tenant;
let tracked: TestPage | undefined;

beforeAll(async () => {
  await buildPage('track');
  node = await startTestNode({ env: { REDIS_PREFIX: unique('track-arrival') } });
  tenant = await createTenant(node.url);
});

afterAll(async () => {
  await tracked?.context.close();
  await closeBrowser();
  await node?.close();
});

it('shows the ETA live and says the courier is near once it is', async () => {
  const api = client(node.url, tenant.apiKey);
  const delivery = await outForDelivery(api, { email: false });
  tracked = await openPage(PHONE);
  const { page } = tracked;
  await page.goto(`${node.url}/track/${delivery.orderId}?token=${delivery.trackingToken}`);
  await page.waitForSelector('[data-testid=live-state][data-state=live]');
  expect(await page.locator('[data-testid=eta] time').count()).toBe(0); // its row waits for the first estimate
  expect(await page.isVisible('[data-testid=courier-near]')).toBe(false);

  const courier = await courierClient(tenant, delivery.courierId, [node.url]);
  const positions = trackPositions(Date.now());
  const firstHalf = positions.slice(0, positions.length / 2);
  for (const position of firstHalf) await courier.report(position);
  await page.waitForSelector('[data-testid=eta] time[datetime]');
  const early = Date.parse((await page.getAttribute('[data-testid=eta] time', 'datetime'))!);
  expect(await page.isVisible('[data-testid=courier-near]')).toBe(false);

  for (const position of positions.slice(firstHalf.length)) await courier.report(position);
  await page.waitForSelector('[data-testid=courier-near]', { state: 'visible' });
  await page.waitForFunction(
    (before) => Date.parse(document.querySelector('[data-testid=eta] time')!.getAttribute('datetime')!) < before,
    early,
  );
  expect(tracked.errors).toEqual([]);
});

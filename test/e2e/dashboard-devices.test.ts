/**
 * The dashboard's couriers' devices end to end (API.md "Devices", "Pages"): real Chromium, a real node, real Redis.
 * An OwnTracks device added from the Couriers view shows its key once, and a QR code that a barcode reader (zbarimg)
 * decodes to the set-up link the API gave, which carries that key; a position OwnTracks sends with it moves the
 * courier's "last seen"; removed after a confirm, the device's row is gone and its key refused. The other apps show
 * their own set-up. Writes docs/screenshots/dashboard-devices.png and dashboard-devices-768.png.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page, Response } from 'playwright-core';
import { buildPages } from '../../src/web/build';
import { closeBrowser, DESK, foreignHosts, openPage, screenshot, type TestPage } from '../support/browser';
import { eventually } from '../support/eventually';
import { client, type Client } from '../support/http';
import { unique } from '../support/ids';
import { startTestNode, type TestNode } from '../support/node';
import { createTenant, type Tenant } from '../support/tenant';
import { removeDir, tempDir } from '../support/temp-dir';

jest.setTimeout(60_000);

const run = promisify(execFile);
/** The narrowest the dashboard is laid out for: a tablet held upright. */
const TABLET = { width: 768, height: 1024 };

let node: TestNode;
let tenant: Tenant;
let biz: Client;
let scratch: string;
const pages: TestPage[] = [];

const FLEET = [
  { id: 'k-wong', name: 'Wong Siu Ming', phone: '+85291230001', vehicle: 'Van' },
  { id: 'k-lee', name: 'Lee Ka Yan', phone: '+85291230002', vehicle: 'Motorbike' },
  { id: 'k-ho', name: 'Ho Chun Kit', vehicle: 'Bicycle' },
  // Enough more that on a tablet the devices panel, below the list, opens out of sight unless scrolled to (listed by
  // id, after the three above).
  ...['Chan Tai Man', 'Leung Mei Yee', 'Ng Wing Sze', 'Tsang Ka Wai', 'Yip Hoi Lam', 'Lam Chi Keung', 'Mak Sze Wan', 'Kwok Yan Ting', 'Fung Ho Yin', 'Tang Siu Fai', 'Choi Man Kit', 'Au Yeung Ching'].map(
    (name, index) => ({ id: `k-x${index + 10}`, name, vehicle: index % 2 === 0 ? 'Motorbike' : 'Van' }),
  ),
];

interface Added {
  id: string;
  key: string;
  protocol: string;
  name: string | null;
  setup: Record<string, string>;
}

beforeAll(async () => {
  await buildPages();
  node = await startTestNode({ env: { REDIS_PREFIX: unique('dash-devices') } });
  tenant = await createTenant(node.url, 'Harbour Goods');
  biz = client(node.url, tenant.apiKey);
  for (const courier of FLEET) expect((await biz.post('/v1/couriers', courier)).status).toBe(201);
  scratch = tempDir('dash-devices-');
}, 120_000);

afterEach(async () => {
  while (pages.length) await pages.pop()!.context.close();
});

afterAll(async () => {
  await closeBrowser();
  await node?.close();
  if (scratch) removeDir(scratch);
});

describe('dashboard devices', () => {
  test('an OwnTracks device: its key shown once, a QR code of its set-up, its positions move "last seen"; removed, its key is refused', async () => {
    const view = await openCouriers();
    const panel = await openDevices(view.page, 'k-wong');
    expect(await panel.getByTestId('device-row').count()).toBe(0);

    const added = await addDevice(view.page, 'owntracks', 'Work phone');
    expect(added).toMatchObject({ protocol: 'owntracks', name: 'Work phone', key: expect.stringMatching(/^dev_/) });
    expect(await panel.getByTestId('device-key').inputValue()).toBe(added.key);
    expect(await panel.getByTestId('device-setup').innerText()).toMatch(/Shown only now/);

    // The QR code is the set-up link the API gave, and that link is what OwnTracks imports: HTTP mode, this server,
    // the key as the password.
    const qrFile = path.join(scratch, 'owntracks-qr.png');
    await panel.getByTestId('device-setup-qr').screenshot({ path: qrFile });
    const { stdout } = await run('zbarimg', ['--raw', '-q', qrFile]);
    expect(stdout.trim()).toBe(added.setup.config_url);
    expect(await panel.getByTestId('device-setup-link').getAttribute('href')).toBe(added.setup.config_url);
    const inline = new URL(added.setup.config_url!.replace('owntracks:///', 'owntracks://app/')).searchParams.get('inline')!;
    expect(JSON.parse(Buffer.from(inline, 'base64').toString('utf8'))).toMatchObject({
      _type: 'configuration',
      mode: 3,
      url: `${node.url}/devices/owntracks`,
      auth: true,
      password: added.key,
    });

    const row = deviceRow(view.page, added.id);
    expect(await row.getAttribute('data-protocol')).toBe('owntracks');
    expect(await row.innerText()).toMatch(/OwnTracks[\s\S]*Work phone/);
    expect(await row.innerText()).not.toContain(added.key);

    await settle(view.page);
    await screenshot(view.page, 'dashboard-devices');

    // Done: the key is gone from the page, and opening the courier's devices again does not bring it back.
    await panel.getByTestId('device-setup-done').click();
    await panel.getByTestId('device-key').waitFor({ state: 'detached' });
    await panel.getByTestId('courier-devices-done').click();
    await panel.waitFor({ state: 'detached' });
    await openDevices(view.page, 'k-wong');
    await deviceRow(view.page, added.id).waitFor();
    expect(await view.page.getByTestId('device-key').count()).toBe(0);
    expect(await view.page.content()).not.toContain(added.key);

    // OwnTracks sends a position with the key: the courier is seen.
    const lastSeen = courierRow(view.page, 'k-wong').getByTestId('courier-last-seen');
    expect(await lastSeen.getAttribute('data-at')).toBe('');
    const tst = Math.floor(Date.now() / 1000) - 5;
    const sent = await owntracks(added.key, { _type: 'location', lat: 22.2819, lon: 114.1583, tst, vel: 18, acc: 12, batt: 80, tid: 'WS' });
    expect([sent.status, await sent.json()]).toEqual([200, []]);
    const seenAt = new Date(tst * 1000).toISOString();
    // Sightings are written in coalesced batches (every couple of seconds); the list reads them again when asked.
    await eventually(async () => (await biz.get('/v1/couriers/k-wong')).body.last_seen_at === seenAt, 'the OwnTracks position stored as last seen');
    await view.page.getByTestId('couriers-refresh').click();
    await view.page.waitForFunction(
      (at) => document.querySelector('[data-courier-id="k-wong"] [data-testid=courier-last-seen]')?.getAttribute('data-at') === at,
      seenAt,
    );
    expect(await lastSeen.innerText()).toBe('just now');

    // Removed after a confirm (cancel first: nothing changes).
    await deviceRow(view.page, added.id).getByTestId('device-remove').click();
    await view.page.getByTestId('device-remove-cancel').click();
    await view.page.getByTestId('device-remove-dialog').waitFor({ state: 'hidden' });
    expect(await deviceRow(view.page, added.id).count()).toBe(1);
    await deviceRow(view.page, added.id).getByTestId('device-remove').click();
    const dialog = view.page.getByTestId('device-remove-dialog');
    expect(await dialog.innerText()).toMatch(/Remove Work phone \(OwnTracks\)\?/);
    await dialog.getByTestId('device-remove-confirm').click();
    await deviceRow(view.page, added.id).waitFor({ state: 'detached' });
    expect(await view.page.getByTestId('device-change-result').innerText()).toMatch(/removed/);
    const refused = await owntracks(added.key, { _type: 'location', lat: 22.2821, lon: 114.1585, tst: tst + 2 });
    expect(refused.status).toBe(401);
    expect((await biz.get('/v1/couriers/k-wong/devices')).body.items).toEqual([]);
    expectClean(view);
  });

  test('Traccar Client, Overland and MQTT trackers each show their own set-up; at 768 px the panel is below the list', async () => {
    const view = await openCouriers(TABLET);
    const panel = await openDevices(view.page, 'k-lee');
    // Below the list on a narrow screen, and scrolled to when opened.
    expect(await panel.isVisible()).toBe(true);
    const opened = (await view.page.locator('.devices-panel').boundingBox())!;
    expect(opened.y).toBeGreaterThanOrEqual(await view.page.evaluate(() => document.querySelector('.topbar')!.getBoundingClientRect().bottom));
    expect(opened.y).toBeLessThan(TABLET.height / 2);

    const traccar = await addDevice(view.page, 'osmand');
    expect(await panel.getByTestId('device-setup-url').inputValue()).toBe(`${node.url}/devices/osmand`);
    expect(await panel.getByTestId('device-setup-device-id').inputValue()).toBe(traccar.setup.device_id);
    expect(traccar.setup.device_id).toBe(traccar.key);
    expect(await panel.getByTestId('device-setup-qr').count()).toBe(0);

    const overland = await addDevice(view.page, 'overland', 'iPhone');
    const qrFile = path.join(scratch, 'overland-qr.png');
    await panel.getByTestId('device-setup-qr').screenshot({ path: qrFile });
    const { stdout } = await run('zbarimg', ['--raw', '-q', qrFile]);
    expect(stdout.trim()).toBe(overland.setup.import_url);
    expect(overland.setup.import_url).toMatch(/^overland:\/\/setup\?/);
    expect(await panel.getByTestId('device-key').inputValue()).toBe(overland.key);

    const mqtt = await addDevice(view.page, 'mqtt', 'Van tracker');
    expect(await panel.getByTestId('device-setup-topic').inputValue()).toBe(`trk/devices/${mqtt.key}/position`);

    // Oldest first, one row each; only the last added shows its key.
    const rows = await panel.getByTestId('device-row').evaluateAll((elements) => elements.map((row) => [row.getAttribute('data-device-id'), row.getAttribute('data-protocol')]));
    expect(rows).toEqual([
      [traccar.id, 'osmand'],
      [overland.id, 'overland'],
      [mqtt.id, 'mqtt'],
    ]);
    expect(await panel.getByTestId('device-key').count()).toBe(1);

    // At 768 px the panel sits below the list, as wide as the page, nothing spilling sideways.
    const overflow = await view.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const box = (await panel.boundingBox())!;
    const list = (await view.page.locator('.couriers-panel').boundingBox())!;
    expect(box.y).toBeGreaterThan(list.y + list.height - 1);
    expect(box.x + box.width).toBeLessThanOrEqual(TABLET.width);
    // Added from the form at the panel's foot, the set-up above it was scrolled to, clear of the top bar.
    const setupTop = (await panel.getByTestId('device-setup').boundingBox())!.y;
    const barBottom = await view.page.evaluate(() => document.querySelector('.topbar')!.getBoundingClientRect().bottom);
    expect(setupTop).toBeGreaterThanOrEqual(barBottom);
    expect(setupTop).toBeLessThan(TABLET.height / 2);
    await settle(view.page);
    await screenshot(view.page, 'dashboard-devices-768');
    expectClean(view);
  });
});

// ---------- helpers ----------

async function openCouriers(viewport = DESK): Promise<TestPage> {
  const view = await openPage(viewport);
  pages.push(view);
  const devtools = await view.context.newCDPSession(view.page);
  await devtools.send('Emulation.setTimezoneOverride', { timezoneId: 'Asia/Hong_Kong' });
  await devtools.send('Emulation.setLocaleOverride', { locale: 'en-HK' });
  await view.page.goto(`${node.url}/dashboard`);
  await view.page.getByTestId('signin-token').fill(tenant.apiKey);
  await view.page.getByTestId('signin-submit').click();
  await view.page.getByTestId('tab-couriers').click();
  await view.page.locator('[data-testid=courier-row]').first().waitFor();
  return view;
}

/** Opens a courier's devices from its row, once their list (or its empty state) is there. */
async function openDevices(page: Page, courierId: string) {
  await courierRow(page, courierId).getByTestId('courier-devices-open').click();
  const panel = page.locator(`[data-testid=courier-devices][data-courier-id="${courierId}"]`);
  await panel.locator('.device-list, .empty').first().waitFor();
  return panel;
}

/** Adds a device from the form; the API's answer (with the key and set-up), once the panel shows it. */
async function addDevice(page: Page, protocol: string, name?: string): Promise<Added> {
  await page.getByTestId('device-protocol').selectOption(protocol);
  await page.getByTestId('device-name').fill(name ?? '');
  const [response] = await Promise.all([
    page.waitForResponse((answer: Response) => answer.request().method() === 'POST' && /\/v1\/couriers\/[^/]+\/devices$/.test(new URL(answer.url()).pathname)),
    page.getByTestId('device-add').click(),
  ]);
  expect(response.status()).toBe(201);
  const added = (await response.json()) as Added;
  await page.locator(`[data-testid=device-setup][data-device-id="${added.id}"]`).waitFor();
  await deviceRow(page, added.id).waitFor();
  return added;
}

/** What OwnTracks in HTTP mode sends: Basic auth with the key as the password. */
function owntracks(key: string, body: Record<string, unknown>): Promise<globalThis.Response> {
  return fetch(`${node.url}/devices/owntracks`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`k-wong:${key}`).toString('base64')}` },
  });
}

function courierRow(page: Page, courierId: string) {
  return page.locator(`[data-testid=courier-row][data-courier-id="${courierId}"]`);
}

function deviceRow(page: Page, deviceId: string) {
  return page.locator(`[data-testid=device-row][data-device-id="${deviceId}"]`);
}

/** Nothing loading, no hover highlight where the last click was, fonts ready. */
async function settle(page: Page): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForFunction(() => !document.querySelector('.loading, .button[aria-busy="true"]'));
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
}

function expectClean(view: TestPage): void {
  expect(view.errors).toEqual([]);
  expect(foreignHosts(view.requests, [new URL(node.url).host])).toEqual([]);
}

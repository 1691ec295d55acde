/**
 * The courier app's camera (API.md "The courier app", "Labels") in real Chromium against a real node: Chromium's
 * fake camera films the bottom of the order's own shipping label (the PDF the API answers, rendered by poppler),
 * the courier signs in with an invite link, taps the camera button, and the app selects the order the label's QR
 * code names. Chromium on Linux has no BarcodeDetector of its own, so this is the ZXing decoder's path, its
 * WebAssembly from the node itself. A second video holds a shop's own Code 128 barcode of the order's reference.
 * The scanner on its own, with the detector's other paths, is test/e2e/courier-scanner.test.ts.
 */
import path from 'node:path';
import bwipjs from 'bwip-js';
import { buildPages } from '../../src/web/build';
import { closeBrowser, foreignHosts, launchBrowser, openPage, PHONE, type TestPage } from '../support/browser';
import { client, type Client } from '../support/http';
import { unique } from '../support/ids';
import { startTestNode, type TestNode } from '../support/node';
import { placeOrder, type PlacedOrder } from '../support/orders';
import { createTenant, type Tenant } from '../support/tenant';
import { removeDir, tempDir } from '../support/temp-dir';
import { labelCodesPicture, writeCameraVideo, type Picture } from '../support/y4m';

jest.setTimeout(90_000);

let node: TestNode;
let tenant: Tenant;
let api: Client;
let dir: string;
const courierId = unique('courier');
const views: TestPage[] = [];

beforeAll(async () => {
  // The bundles must hold the current sources: the app and its decoder.
  await buildPages();
  node = await startTestNode({ env: { REDIS_PREFIX: unique('courier-camera') } });
  tenant = await createTenant(node.url, 'Harbour Goods');
  api = client(node.url, tenant.apiKey);
  const created = await api.post('/v1/couriers', { id: courierId, name: 'Chan Siu Ming', phone: '+85291234567', vehicle: 'van' });
  if (created.status !== 201) throw new Error(`courier: ${created.status} ${JSON.stringify(created.body)}`);
  dir = tempDir('courier-camera-');
}, 120_000);

afterEach(async () => {
  await Promise.all(views.splice(0).map(({ context }) => context.close()));
  // Each test films its own video: the next one launches the browser with it.
  await closeBrowser();
});

afterAll(async () => {
  await closeBrowser();
  await node?.close();
  removeDir(dir);
});

/** An order of the tenant's, assigned to the courier (so it is among the courier's orders). */
async function assignedOrder(body: Record<string, unknown> = {}): Promise<PlacedOrder> {
  const order = await placeOrder(api, {
    customer: { id: unique('cust'), name: 'Wong Mei Ling', phone: '+85298765432' },
    destination: { address: 'Flat 12B, Tower 2, 8 Tai Hang Road, Tai Hang, Hong Kong', lat: 22.2781, lng: 114.1925 },
    ...body,
  });
  const assigned = await api.post(`/v1/orders/${order.id}/assign`, { courier_id: courierId });
  if (assigned.status !== 200) throw new Error(`assign: ${assigned.status} ${JSON.stringify(assigned.body)}`);
  return order;
}

/** A fresh one-time sign-in for the courier. */
async function invite(): Promise<string> {
  const created = await api.post(`/v1/couriers/${courierId}/invites`, {});
  if (created.status !== 201) throw new Error(`invite: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.code as string;
}

/** Launches the browser with a fake rear camera that films `pictures`, and opens the app signed in by an invite. */
async function signedInWithCamera(name: string, pictures: Picture[], order: PlacedOrder): Promise<TestPage> {
  const video = path.join(dir, `${name}.y4m`);
  await writeCameraVideo(video, [pictures]);
  await launchBrowser(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);
  const view = await openPage(PHONE);
  views.push(view);
  await view.page.goto(`${node.url}/courier/#invite=${await invite()}`);
  // Signed in, with the order among the courier's.
  await view.page.locator(`[data-testid=courier-order][data-order-id="${order.id}"]`).waitFor();
  return view;
}

/** Taps the camera button and waits for the app to select `order`; checks the decoder came with the tap. */
async function scanSelects(view: TestPage, order: PlacedOrder): Promise<void> {
  const { page } = view;
  const decoderOnPage = (): Promise<boolean> =>
    page.evaluate(() => 'courierDecoder' in window || document.querySelector('script[src*="courier-decoder"]') !== null);
  expect(await decoderOnPage()).toBe(false);
  await page.getByTestId('scan-camera').click();
  await page.locator(`[data-testid=selected-order][data-order-id="${order.id}"]`).waitFor({ timeout: 45_000 });
  expect(await decoderOnPage()).toBe(true);
  // The WebAssembly came from the node, as everything else did.
  expect(view.requests.some((url) => url.startsWith(`${node.url}/assets/courier-decoder.`) && url.endsWith('.wasm'))).toBe(true);
  expect(foreignHosts(view.requests, [new URL(node.url).host])).toEqual([]);
  expect(view.errors).toEqual([]);
}

it('selects the order whose label the camera films, read from the label’s QR code', async () => {
  const order = await assignedOrder({ external_id: unique('HG'), amount: { value: 12900, currency: 'HKD' }, payment: { method: 'cash' } });
  const label = await fetch(`${node.url}/v1/orders/${order.id}/label`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
  expect(label.status).toBe(200);
  expect(label.headers.get('content-type')).toBe('application/pdf');
  const codes = await labelCodesPicture(Buffer.from(await label.arrayBuffer()));
  // The label's bottom strip across the frame, as a phone held over the label frames it.
  const view = await signedInWithCamera('label', [{ image: codes, left: 110, top: 100, width: 420 }], order);
  await scanSelects(view, order);
});

it('selects an order by its reference from a shop’s own Code 128 barcode', async () => {
  // Short enough for the fake camera's 640 pixels: some two pixels a bar.
  const reference = 'HG-4821';
  const order = await assignedOrder({ external_id: reference });
  const barcode = await bwipjs.toBuffer({ bcid: 'code128', text: reference, scale: 3, height: 20, paddingwidth: 10, paddingheight: 10 });
  const view = await signedInWithCamera('reference', [{ image: barcode, left: 20, top: 170, width: 600 }], order);
  await scanSelects(view, order);
});

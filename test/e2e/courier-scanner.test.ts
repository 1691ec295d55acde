/**
 * The courier app's camera scanner (src/web/courier/camera.ts) on its own, in real Chromium with a fake camera that
 * plays a video of a QR code and a Code 128 barcode (test/support/y4m.ts). The scanner is bundled into a small test
 * page served as the courier app is: the courier page's Content-Security-Policy, and the assets (the decoder's
 * script and WebAssembly among them) through the pages middleware. Chromium on Linux has no BarcodeDetector of its
 * own, so the ZXing decoder reads; a stand-in native detector checks the other way. The video also films the
 * codes of a shipping label the server's own label drawing made (the courier app's own test needs the app).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import bwipjs from 'bwip-js';
import { build } from 'esbuild';
import Koa from 'koa';
import pino from 'pino';
import { contentSecurityPolicy, pages } from '../../src/http/pages';
import { labelPdf } from '../../src/labels/label-pdf';
import { buildDecoder } from '../../src/web/build';
import { closeBrowser, foreignHosts, launchBrowser, openPage, PHONE, type TestPage } from '../support/browser';
import { unique } from '../support/ids';
import { removeDir, tempDir } from '../support/temp-dir';
import { labelCodesPicture, writeCameraVideo } from '../support/y4m';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const QR_TEXT = unique('ord_qr', '_');
// Short: the fake camera is 640 pixels wide, and a Code 128 barcode needs some two pixels a bar at the least.
const BARCODE_TEXT = `K128-${process.pid % 1000}`;
// An order id as the server makes them, on a shipping label as the server draws it.
const LABEL_ORDER_ID = `ord_${Date.now().toString(36).toUpperCase()}TESTLABEL${process.pid}`;

/** The test page: the scanner, and hooks for the test on `window.harness`. */
const HARNESS_SCRIPT = `
import { openScanner } from './camera';
const host = document.getElementById('camera');
Object.assign(host.style, { width: '320px', height: '240px' });
const harness = { codes: [], reads: 0, scanner: null, stream: null, constraints: null };
// Keeps the stream the scanner opened, so the test can see its tracks end.
const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints) => {
  harness.constraints = constraints;
  harness.stream = await getUserMedia(constraints);
  return harness.stream;
};
harness.open = async () => {
  try {
    harness.scanner = await openScanner({ host, onCode: (text) => harness.codes.push(text) });
    return 'open';
  } catch (error) {
    return error instanceof DOMException ? error.name : 'not a DOMException: ' + error;
  }
};
// Counts the ZXing decoder's reads, so the test can wait for more of them without a clock.
harness.countReads = () => {
  const prototype = window.courierDecoder.BarcodeDetector.prototype;
  const detect = prototype.detect;
  prototype.detect = function (...args) {
    harness.reads += 1;
    return detect.apply(this, args);
  };
};
window.harness = harness;
`;

const HARNESS_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Scanner</title><link rel="icon" href="data:,"><script src="/assets/scanner-harness.js" defer></script></head>
<body><div id="camera"></div></body>
</html>`;

/** Stands in for a phone's BarcodeDetector: reads one fixed code, and lists the formats it is given. */
function nativeDetector(formats: string[]): string {
  return `window.BarcodeDetector = class {
    static async getSupportedFormats() { return ${JSON.stringify(formats)}; }
    constructor(options) { window.nativeFormats = options.formats; }
    async detect(video) { return video.videoWidth > 0 ? [{ rawValue: 'NATIVE-READ', format: 'qr_code' }] : []; }
  };`;
}

let dir: string;
let server: http.Server;
let origin: string;
/** The decoder's script and WebAssembly, as the build names them (their names carry their digests). */
let decoder: { script: string; wasm: string };
const views: TestPage[] = [];

beforeAll(async () => {
  dir = tempDir('courier-scanner-');
  const { urls } = await buildDecoder(dir);
  decoder = { script: urls['courier-decoder.js']!, wasm: urls['courier-decoder.wasm']! };
  await build({
    stdin: { contents: HARNESS_SCRIPT, resolveDir: path.join(ROOT, 'src/web/courier'), loader: 'ts' },
    bundle: true,
    format: 'iife',
    target: ['es2020'],
    // What the build hands the courier app: where the decoder is.
    define: { BUILT_ASSETS: JSON.stringify(urls) },
    outfile: path.join(dir, 'scanner-harness.js'),
    logLevel: 'warning',
  });
  // A QR code for half a second, then a Code 128 barcode, then a label's codes; the fake camera plays them in a loop.
  const qr = await bwipjs.toBuffer({ bcid: 'qrcode', text: QR_TEXT, scale: 4 });
  const barcode = await bwipjs.toBuffer({ bcid: 'code128', text: BARCODE_TEXT, scale: 3, height: 20, paddingwidth: 10, paddingheight: 10 });
  const label = await labelCodesPicture(await labelOf(LABEL_ORDER_ID));
  const video = path.join(dir, 'camera.y4m');
  await writeCameraVideo(video, [
    [{ image: qr, left: 200, top: 120, width: 240 }],
    [{ image: barcode, left: 20, top: 170, width: 600 }],
    [{ image: label, left: 110, top: 100, width: 420 }],
  ]);
  // No --use-fake-ui-for-media-stream: each page is granted the camera or not, so a refusal can be seen.
  await launchBrowser(['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`]);

  const app = new Koa();
  app.use(async (ctx, next) => {
    if (ctx.path !== '/scanner') return next();
    ctx.set('Content-Security-Policy', contentSecurityPolicy(undefined, { webAssembly: true }));
    ctx.type = 'html';
    ctx.body = HARNESS_PAGE;
  });
  app.use(
    pages({
      dir,
      basemap: { tileJson: async () => null },
      admitTile: async () => undefined,
      map: { tileUrl: undefined, attribution: undefined },
      staleAfterHours: 24,
      logger: pino({ level: 'silent' }),
    }),
  );
  server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterEach(async () => {
  await Promise.all(views.splice(0).map(({ context }) => context.close()));
});

afterAll(async () => {
  await closeBrowser();
  await new Promise((resolve) => server?.close(resolve));
  removeDir(dir);
});

/** The test page on a phone, granted the camera unless `camera` is false, with a stand-in native detector if given. */
async function openHarness({ camera = true, native }: { camera?: boolean; native?: string } = {}): Promise<TestPage> {
  const view = await openPage(PHONE, { permissions: camera ? ['camera'] : [] });
  views.push(view);
  if (native) await view.context.addInitScript(native);
  await view.page.goto(`${origin}/scanner`);
  await view.page.waitForFunction(() => 'harness' in window);
  return view;
}

/** A shipping label's PDF for `orderId`, drawn as `GET /v1/orders/:id/label` draws it. */
async function labelOf(orderId: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const content = { orderId, tenantName: 'Harbour Goods', reference: 'HG-1', customerName: 'Wong Mei Ling', destination: '8 Tai Hang Road', promisedBy: null, collect: null };
  for await (const chunk of labelPdf([content])) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const decoderRequests = (view: TestPage): string[] => view.requests.filter((url) => new URL(url).pathname.startsWith('/assets/courier-decoder'));

it('the app’s bundle of the scanner holds no decoder', () => {
  const bundle = fs.readFileSync(path.join(dir, 'scanner-harness.js'), 'utf8');
  expect(bundle).not.toContain('readBarcodesFromPixmap');
  expect(bundle.length).toBeLessThan(10_000);
});

it('reads a QR code, a Code 128 barcode and a label from the rear camera with the ZXing decoder, each once, fetched when the camera opens', async () => {
  const view = await openHarness();
  const { page } = view;
  expect(decoderRequests(view)).toEqual([]);

  expect(await page.evaluate(() => (window as any).harness.open())).toBe('open');
  expect(await page.evaluate(() => (window as any).harness.constraints)).toEqual({ video: { facingMode: 'environment' }, audio: false });
  expect(decoderRequests(view).map((url) => new URL(url).pathname)).toEqual([decoder.script, decoder.wasm]);
  await page.evaluate(() => (window as any).harness.countReads());

  // The video fills the host and plays the camera.
  const video = await page.evaluate(() => {
    const element = document.querySelector('#camera video') as HTMLVideoElement;
    const box = element.getBoundingClientRect();
    return { width: box.width, height: box.height, videoWidth: element.videoWidth, playing: !element.paused };
  });
  expect(video).toEqual({ width: 320, height: 240, videoWidth: 640, playing: true });

  await page.waitForFunction(() => (window as any).harness.codes.length >= 3, undefined, { timeout: 45_000 });
  // The codes go past the camera again and again (the video loops every 1.5 seconds): still each reported once
  // (the label's two codes both carry the order id: once too).
  const readsSoFar = await page.evaluate(() => (window as any).harness.reads as number);
  await page.waitForFunction((reads) => (window as any).harness.reads >= reads + 15, readsSoFar, { timeout: 45_000 });
  expect((await page.evaluate(() => (window as any).harness.codes as string[])).sort()).toEqual([BARCODE_TEXT, LABEL_ORDER_ID, QR_TEXT].sort());

  const wasm = await page.evaluate(async (url) => {
    const response = await fetch(url, { method: 'HEAD' });
    return response.headers.get('content-type');
  }, decoder.wasm);
  expect(wasm).toBe('application/wasm');
  expect(foreignHosts(view.requests, [new URL(origin).host])).toEqual([]);
  expect(view.errors).toEqual([]);
});

it('stop turns the camera off and removes the video; opened again, it reads the codes anew with the decoder it has', async () => {
  const view = await openHarness();
  const { page } = view;
  expect(await page.evaluate(() => (window as any).harness.open())).toBe('open');
  await page.waitForFunction((text) => (window as any).harness.codes.includes(text), QR_TEXT, { timeout: 45_000 });

  const stopped = await page.evaluate(() => {
    const { harness } = window as any;
    harness.scanner.stop();
    harness.scanner.stop(); // twice is harmless
    return {
      tracks: (harness.stream as MediaStream).getTracks().map((track) => track.readyState),
      videos: document.querySelectorAll('#camera video').length,
    };
  });
  expect(stopped).toEqual({ tracks: ['ended'], videos: 0 });

  await page.evaluate(() => ((window as any).harness.codes.length = 0));
  expect(await page.evaluate(() => (window as any).harness.open())).toBe('open');
  await page.waitForFunction((text) => (window as any).harness.codes.includes(text), QR_TEXT, { timeout: 45_000 });
  expect(decoderRequests(view)).toHaveLength(2); // the script and the WebAssembly, once
  await page.evaluate(() => (window as any).harness.scanner.stop());
  expect(view.errors).toEqual([]);
});

it('uses the browser’s own detector when it reads both formats, and never fetches the decoder', async () => {
  const view = await openHarness({ native: nativeDetector(['aztec', 'code_128', 'ean_13', 'qr_code']) });
  const { page } = view;
  expect(await page.evaluate(() => (window as any).harness.open())).toBe('open');
  await page.waitForFunction(() => (window as any).harness.codes.length > 0, undefined, { timeout: 45_000 });
  expect(await page.evaluate(() => (window as any).harness.codes)).toEqual(['NATIVE-READ']);
  expect(await page.evaluate(() => (window as any).nativeFormats)).toEqual(['qr_code', 'code_128']);
  expect(decoderRequests(view)).toEqual([]);
  await page.evaluate(() => (window as any).harness.scanner.stop());
  expect(view.errors).toEqual([]);
});

it('passes over a browser’s detector that cannot read Code 128 for the ZXing decoder', async () => {
  const view = await openHarness({ native: nativeDetector(['qr_code', 'ean_13']) });
  const { page } = view;
  expect(await page.evaluate(() => (window as any).harness.open())).toBe('open');
  await page.waitForFunction(() => (window as any).harness.codes.length >= 3, undefined, { timeout: 45_000 });
  expect((await page.evaluate(() => (window as any).harness.codes as string[])).sort()).toEqual([BARCODE_TEXT, LABEL_ORDER_ID, QR_TEXT].sort());
  expect(await page.evaluate(() => (window as any).nativeFormats ?? null)).toBeNull();
  expect(decoderRequests(view)).toHaveLength(2);
  await page.evaluate(() => (window as any).harness.scanner.stop());
});

it('rejects with NotAllowedError when the camera is refused, fetching no decoder and showing no video', async () => {
  const view = await openHarness({ camera: false });
  const { page } = view;
  expect(await page.evaluate(() => (window as any).harness.open())).toBe('NotAllowedError');
  expect(await page.locator('#camera video').count()).toBe(0);
  expect(decoderRequests(view)).toEqual([]);
});

/**
 * Shipping labels (API.md "Labels"): the PDF is rendered to images with poppler's pdftoppm and both codes are read
 * back with zbarimg, as a scanner would; pages are counted with pdfinfo.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { labelPdf } from '../../../src/labels/label-pdf';
import { runOk } from '../../support/command';
import { expectError } from '../../support/expect-error';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import type { Tenant } from '../../support/tenant';
import { tenantNode, withTenant } from '../../support/tenant-node';
import { removeDir, tempDir } from '../../support/temp-dir';

describe('shipping labels', () => {
  let server: TestNode;
  let tenant: Tenant;
  let biz: Client;
  let dir: string;

  tenantNode(async (started) => {
    ({ server, tenant, biz } = started);
    dir = tempDir('labels-');
  });
  afterAll(() => removeDir(dir));

  /** The PDF a GET answers, written to a file of its own; fails unless 200 application/pdf. */
  async function pdf(pathAndQuery: string, token = tenant.apiKey): Promise<string> {
    const response = await fetch(server.url + pathAndQuery, { headers: { authorization: `Bearer ${token}` } });
    const bytes = Buffer.from(await response.arrayBuffer());
    if (response.status !== 200) throw new Error(`label failed: ${response.status} ${bytes.toString()}`);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const file = path.join(dir, `${unique('label')}.pdf`);
    fs.writeFileSync(file, bytes);
    return file;
  }

  async function pageCount(file: string): Promise<number> {
    const { stdout } = await runOk(`pdfinfo '${file}'`);
    return Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1]);
  }

  /** What a scanner reads off page `page` at 300 dpi: every code's text. */
  async function codesOn(file: string, page: number): Promise<string[]> {
    const prefix = file.replace(/\.pdf$/, `-p${page}`);
    await runOk(`pdftoppm -r 300 -png -f ${page} -l ${page} -singlefile '${file}' '${prefix}'`);
    const { stdout } = await runOk(`zbarimg --quiet --raw '${prefix}.png'`);
    return stdout.split('\n').filter((line) => line.length > 0).sort();
  }

  it('a label is a 4 × 6 inch page whose Code 128 barcode and QR code both read back as the order id', async () => {
    const order = await placeOrder(biz, {
      external_id: unique('shop'),
      customer: { id: unique('c'), name: 'Ada Lovelace' },
      destination: { address: '1 Harbour Road, Wan Chai' },
      amount: { value: 12900, currency: 'HKD' },
      promised_by: new Date(Date.now() + 86_400_000).toISOString(),
      payment: { method: 'cash' },
    });
    const file = await pdf(`/v1/orders/${order.id}/label`);
    const { stdout } = await runOk(`pdfinfo '${file}'`);
    expect(stdout).toMatch(/Page size:\s+288 x 432 pts/);
    expect(await pageCount(file)).toBe(1);
    // zbarimg names each symbology unless --raw: one Code 128 and one QR code, both the order id.
    const typed = await runOk(`pdftoppm -r 300 -png -singlefile '${file}' '${file}-typed' && zbarimg --quiet '${file}-typed.png'`);
    expect(typed.stdout.split('\n').filter(Boolean).sort()).toEqual([`CODE-128:${order.id}`, `QR-Code:${order.id}`]);
    // The text is there to read too: the reference, the customer, the cash to collect.
    const text = await runOk(`pdftotext '${file}' -`);
    expect(text.stdout).toContain(order.external_id);
    expect(text.stdout).toContain('Ada Lovelace');
    expect(text.stdout).toContain('129.00 HKD');
  });

  it('a Chinese name and address and an Arabic name print in their own scripts; pdftotext reads them back, zbarimg both codes', async () => {
    const order = await placeOrder(biz, {
      customer: { id: unique('c'), name: '陳大文 محمد بن سلمان' },
      destination: { address: '香港中環皇后大道中1號' },
    });
    const file = await pdf(`/v1/orders/${order.id}/label`);
    // Right-to-left text comes back in reading order, between the bidirectional marks pdftotext puts around it.
    const text = (await runOk(`pdftotext '${file}' -`)).stdout.replace(/[\u200e\u200f\u202a-\u202e]/gu, '');
    expect(text).toContain('陳大文');
    expect(text).toContain('香港中環皇后大道中1號');
    expect(text).toContain('محمد بن سلمان');
    expect(text).not.toContain('?');
    // Only the glyphs printed are embedded: the page stays small.
    const fonts = (await runOk(`pdffonts '${file}'`)).stdout;
    expect(fonts).toMatch(/\+NotoSansHK-Bold\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(fonts).toMatch(/\+IBMPlexSansArabic-Bold\s+CID TrueType\s+Identity-H\s+yes yes yes/);
    expect(fs.statSync(file).size).toBeLessThan(40_000);
    expect(await codesOn(file, 1)).toEqual([order.id, order.id]);
  });

  it('without the label fonts, Chinese and Arabic print as ? and the label still reads', async () => {
    const file = path.join(dir, `${unique('nofonts')}.pdf`);
    const label = { orderId: 'ord_nofonts', tenantName: 'Shop', reference: 'R-1', customerName: '陳大文 محمد', destination: null, promisedBy: null, collect: null };
    await pipeline(labelPdf([label], { chinese: null, arabic: null }), fs.createWriteStream(file));
    const text = (await runOk(`pdftotext '${file}' -`)).stdout;
    expect(text).toContain('??? ????');
    expect((await runOk(`pdffonts '${file}'`)).stdout).not.toMatch(/NotoSansHK|IBMPlexSansArabic/);
    expect(await codesOn(file, 1)).toEqual(['ord_nofonts', 'ord_nofonts']);
  });

  /** The box the dark pixels of page 1 fill, in inches from each edge (rendered at 100 dpi in grey). */
  async function inkMargins(file: string): Promise<{ left: number; top: number; right: number; bottom: number }> {
    const prefix = file.replace(/\.pdf$/, '-ink');
    await runOk(`pdftoppm -r 100 -gray -f 1 -l 1 -singlefile '${file}' '${prefix}'`);
    const pgm = fs.readFileSync(`${prefix}.pgm`);
    const [, width, height] = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 32).toString('latin1'))!.map(Number) as [number, number, number];
    const pixels = pgm.subarray(pgm.length - width * height);
    let [minX, minY, maxX, maxY] = [width, height, -1, -1];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (pixels[y * width + x]! >= 128) continue;
        [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
      }
    }
    return { left: minX / 100, top: minY / 100, right: (width - 1 - maxX) / 100, bottom: (height - 1 - maxY) / 100 };
  }

  it("nothing prints within 0.15 in of an edge (a printer's margin): the codes and the longest texts keep inside it", async () => {
    const long = 'Bartholomew Alexander Montgomery-Fitzwilliam '.repeat(4);
    const order = await placeOrder(biz, {
      external_id: unique('margin'),
      customer: { id: unique('c'), name: long },
      destination: { address: `${long} 香港中環皇后大道中一號 ${'شارع الملك فهد '.repeat(8)}` },
      amount: { value: 12900, currency: 'HKD' },
      payment: { method: 'cash' },
    });
    const file = await pdf(`/v1/orders/${order.id}/label`);
    const margins = await inkMargins(file);
    // The sides closer than 0.15 in, if any, with how close they come.
    expect(Object.entries(margins).filter(([, inches]) => inches < 0.15)).toEqual([]);
    expect(await codesOn(file, 1)).toEqual([order.id, order.id]);
  });

  it('a batch is one PDF, a label a page in the order asked', async () => {
    const ids = [(await placeOrder(biz)).id, (await placeOrder(biz)).id, (await placeOrder(biz)).id];
    const file = await pdf(`/v1/labels?ids=${ids.join(',')}`);
    expect(await pageCount(file)).toBe(3);
    for (const [index, id] of ids.entries()) expect(await codesOn(file, index + 1)).toEqual([id, id]);
  });

  it('more than 100 ids is a 400', async () => {
    const ids = Array.from({ length: 101 }, (_, index) => `ord_${index}`);
    expectError(await biz.get(`/v1/labels?ids=${ids.join(',')}`), 400, 'validation_failed');
  });

  it("an id that is not the tenant's (another tenant's order, or none) is a 404 for the whole request", async () => {
    const mine = await placeOrder(biz);
    const other = await withTenant(server);
    const theirs = await placeOrder(other.biz);
    expectError(await biz.get(`/v1/labels?ids=${mine.id},${theirs.id}`), 404, 'not_found');
    expectError(await biz.get(`/v1/orders/${theirs.id}/label`), 404, 'not_found');
    expectError(await biz.get(`/v1/labels?ids=${mine.id},ord_missing`), 404, 'not_found');
  });

  it('staff may print labels; couriers and customers may not', async () => {
    const customerId = unique('c');
    const order = await placeOrder(biz, { customer: { id: customerId } });
    const staff = await tenant.token('staff', unique('s'));
    expect(await codesOn(await pdf(`/v1/orders/${order.id}/label`, staff), 1)).toEqual([order.id, order.id]);
    const courier = client(server.url, await tenant.token('courier', unique('k')));
    const customer = client(server.url, await tenant.token('customer', customerId));
    expectError(await courier.get(`/v1/orders/${order.id}/label`), 403, 'forbidden');
    expectError(await customer.get(`/v1/orders/${order.id}/label`), 403, 'forbidden');
    expectError(await customer.get(`/v1/labels?ids=${order.id}`), 403, 'forbidden');
  });
});

/**
 * Labels in the tenant's branding (API.md "Labels", "Branding and message templates"): the display name instead of
 * the tenant's name, and the logo above it; both codes still read back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runOk } from '../../support/command';
import type { Client } from '../../support/http';
import { unique } from '../../support/ids';
import { uploadLogo } from '../../support/logo';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import type { Tenant } from '../../support/tenant';
import { tenantNode } from '../../support/tenant-node';
import { removeDir, tempDir } from '../../support/temp-dir';

let server: TestNode;
let tenant: Tenant;
let biz: Client;
let dir: string;

tenantNode(async (started) => {
  ({ server, tenant, biz } = started);
  dir = tempDir('labels-branding-');
});
afterAll(() => removeDir(dir));

async function label(orderId: string): Promise<string> {
  const response = await fetch(`${server.url}/v1/orders/${orderId}/label`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
  expect(response.status).toBe(200);
  const file = path.join(dir, `${unique('label')}.pdf`);
  fs.writeFileSync(file, Buffer.from(await response.arrayBuffer()));
  return file;
}

/** The images a PDF holds (pdfimages' list, header lines dropped). */
async function images(file: string): Promise<string[]> {
  return (await runOk(`pdfimages -list '${file}'`)).stdout.split('\n').slice(2).filter((line) => line.trim() !== '');
}

it('prints the display name and the logo once set; the name alone before, and the codes read back either way', async () => {
  const order = await placeOrder(biz, { customer: { id: unique('c'), name: 'Ada' } });
  const before = await label(order.id);
  expect((await runOk(`pdftotext '${before}' -`)).stdout).toContain('Acme');
  expect(await images(before)).toEqual([]);

  const logo = await uploadLogo(biz, 'image/webp');
  expect((await biz.put('/v1/tenants/me/branding', { display_name: 'Harbour Express', logo: logo.id, primary_color: '#7a1fa2' })).status).toBe(200);
  const branded = await label(order.id);
  const text = (await runOk(`pdftotext '${branded}' -`)).stdout;
  expect(text).toContain('Harbour Express');
  expect(text).not.toContain('Acme');
  expect(await images(branded)).toHaveLength(1);
  await runOk(`pdftoppm -r 300 -png -singlefile '${branded}' '${branded}-page'`);
  const codes = (await runOk(`zbarimg --quiet '${branded}-page.png'`)).stdout.split('\n').filter(Boolean).sort();
  expect(codes).toEqual([`CODE-128:${order.id}`, `QR-Code:${order.id}`]);
});

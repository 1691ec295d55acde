import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { buildPages } from '../../src/web/build';
import { closeBrowser, openPage, PHONE } from '../../test/support/browser';
import { Nodes, post, tenant } from '../lib/nodes';
import { round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

/** A delivery's proof as the phone makes it: a signature drawn on the canvas and one photo from the camera. */
async function doorPhoto(): Promise<Buffer> {
  return sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 120, g: 90, b: 60 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

async function sign(page: Page): Promise<void> {
  const box = (await page.locator('[data-testid=proof-signature]').boundingBox())!;
  const at = (x: number, y: number): [number, number] => [box.x + box.width * x, box.y + box.height * y];
  await page.mouse.move(...at(0.1, 0.6));
  await page.mouse.down();
  for (const point of [at(0.3, 0.3), at(0.5, 0.7), at(0.7, 0.3), at(0.9, 0.5)]) await page.mouse.move(...point, { steps: 4 });
  await page.mouse.up();
}

const outboxAt = (count: number): string => `[data-testid=outbox-count][data-count="${count}"]`;

/**
 * The courier app's outbox (API.md "The courier app", offline): `actions` actions done with no network, half of
 * them deliveries with a drawn signature and a photo, half failed attempts; then the network comes back and the
 * clock runs until every action has its answer (`outbox-count` 0). The reference sends the same requests from a
 * bare Node script: the pictures, then the scans in one batch.
 */
export const courier: Benchmark = {
  name: 'courier',
  description: 'courier app in Chromium: actions queued offline (deliveries with signature + photo, failed attempts) → back online → all answered (vs the same requests from a bare script)',
  defaults: { actions: 50 },
  target: 'every queued action answered once the network is back; reported, no fixed target',
  async run({ options, progress }) {
    const actions = options.actions!;
    const nodes = new Nodes();
    try {
      progress('building the pages');
      await buildPages();
      const node = await nodes.start();
      const key = await tenant(node.url);
      const courierId = 'bench-courier';
      await post(`${node.url}/v1/couriers`, key, { id: courierId, name: 'Chan Tai Man' });
      const invite = await post<{ url: string }>(`${node.url}/v1/couriers/${courierId}/invites`, key, {});
      const placeOut = async (): Promise<string> => {
        const order = await post<{ id: string }>(`${node.url}/v1/orders`, key, {
          customer: { id: `bench-customer-${Math.random().toString(36).slice(2)}`, name: 'Wong Siu Ming' },
          destination: { address: '8 Tai Hang Road, Hong Kong', lat: 22.2781, lng: 114.1925 },
        });
        await post(`${node.url}/v1/orders/${order.id}/assign`, key, { courier_id: courierId });
        await post(`${node.url}/v1/orders/${order.id}/status`, key, { status: 'out_for_delivery' });
        return order.id;
      };
      const orders: string[] = [];
      for (let index = 0; index < actions; index++) orders.push(await placeOut());
      const photo = await doorPhoto();

      const view = await openPage(PHONE);
      const { page, context } = view;
      await page.goto(invite.url);
      await page.waitForSelector(`[data-testid=courier-order][data-order-id="${orders.at(-1)}"]`);
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

      await context.setOffline(true);
      for (const [index, orderId] of orders.entries()) {
        await page.click(`[data-testid=courier-order][data-order-id="${orderId}"] .order-main`);
        await page.waitForSelector(`[data-testid=selected-order][data-order-id="${orderId}"]`);
        if (index % 2 === 0) {
          await page.click('[data-testid=action-delivered]');
          await page.fill('[data-testid=proof-recipient]', 'Wong Siu Ming');
          await sign(page);
          await page.setInputFiles('[data-testid=proof-photo]', { name: 'door.jpg', mimeType: 'image/jpeg', buffer: photo });
          await page.waitForSelector('.photos img');
        } else {
          await page.click('[data-testid=action-failed_attempt]');
          await page.selectOption('[data-testid=fail-reason]', 'not_home');
        }
        await page.click('[data-testid=action-submit]');
        await page.waitForSelector(outboxAt(index + 1));
        if (index % 10 === 9) progress(`queued ${index + 1}/${actions} actions offline`);
      }

      const started = performance.now();
      await context.setOffline(false);
      await page.waitForSelector(outboxAt(0), { timeout: 300_000 });
      const appMs = performance.now() - started;
      // Requests the browser refused while offline are expected; anything else is not.
      const errors = view.errors.filter((error) => !error.includes('ERR_INTERNET_DISCONNECTED'));
      if (errors.length > 0) throw new Error(`the app reported errors: ${errors.join('; ')}`);
      await context.close();

      // The reference: the same pictures and one batch of scans, from a bare script, on fresh orders.
      const { code } = await post<{ code: string }>(`${node.url}/v1/couriers/${courierId}/invites`, key, {});
      const session = await fetch(`${node.url}/v1/courier-sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ invite: code }) });
      const { token } = (await session.json()) as { token: string };
      const fresh: string[] = [];
      for (let index = 0; index < actions; index++) fresh.push(await placeOut());
      const signature = await sharp({ create: { width: 600, height: 240, channels: 3, background: '#ffffff' } }).png().toBuffer();
      const bareStarted = performance.now();
      const scans = [];
      for (const [index, orderId] of fresh.entries()) {
        const at = new Date().toISOString();
        if (index % 2 === 0) {
          const upload = async (bytes: Buffer, type: string): Promise<string> => {
            const response = await fetch(`${node.url}/v1/attachments`, {
              method: 'POST',
              headers: { authorization: `Bearer ${token}`, 'content-type': type, 'idempotency-key': `${orderId}-${type}` },
              body: new Uint8Array(bytes),
            });
            if (!response.ok) throw new Error(`attachment: ${response.status} ${await response.text()}`);
            return ((await response.json()) as { id: string }).id;
          };
          const signatureId = await upload(signature, 'image/png');
          const photoId = await upload(photo, 'image/jpeg');
          scans.push({ event_id: `bare-${orderId}`, order_id: orderId, type: 'delivered', occurred_at: at, proof: { recipient_name: 'Wong Siu Ming', signature: signatureId, photos: [photoId] } });
        } else {
          scans.push({ event_id: `bare-${orderId}`, order_id: orderId, type: 'failed_attempt', occurred_at: at, reason: 'not_home' });
        }
      }
      await post(`${node.url}/v1/scans`, token, { scans });
      const bareMs = performance.now() - bareStarted;

      // Every action applied: each order delivered or with its failed attempt, as read from the API.
      const statuses = await Promise.all(
        orders.map(async (orderId) => ((await (await fetch(`${node.url}/v1/orders/${orderId}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string }).status),
      );
      const applied = statuses.filter((status, index) => status === (index % 2 === 0 ? 'delivered' : 'failed_attempt')).length;
      return {
        metrics: {
          actions,
          pictures: actions,
          back_online_to_all_sent_ms: Math.round(appMs),
          per_action_ms: round(appMs / actions, 1),
          applied,
        },
        reference: { name: 'the same pictures and scan batch sent by a bare Node script', metrics: { all_sent_ms: Math.round(bareMs) } },
        ratio: { metric: 'app ÷ bare script', value: round(appMs / Math.max(1, bareMs), 2) },
        targets: [{ target: 'every queued action answered and applied', measured: `${applied} of ${actions} applied in ${Math.round(appMs)} ms`, met: applied === actions }],
      };
    } finally {
      await closeBrowser();
      await nodes.stop();
    }
  },
};

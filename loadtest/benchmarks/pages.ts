import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildPages } from '../../src/web/build';
import { closeBrowser, openPage, PHONE } from '../../test/support/browser';
import { Nodes, post, tenant } from '../lib/nodes';
import { Recorder, round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

const FIRST_STATUS_MS = 1000;

/** A page that marks at once from an inline script: Chromium's own floor for "navigation → something shown". */
const BARE_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>bare</title></head>
<body><p id="status">processing</p><script>performance.mark('order-status-shown')</script></body></html>`;

async function bareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(BARE_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Opens `url` `visits` times on a phone-sized page and records when the page marked `order-status-shown`, from
 * navigation start. Cold: a fresh browser context per visit (empty cache, as a customer tapping an SMS link);
 * warm: the same context again.
 */
async function visit(url: string, visits: number, progress: (line: string) => void, label: string): Promise<{ cold: Recorder; warm: Recorder }> {
  const cold = new Recorder();
  const warm = new Recorder();
  const shownAt = (): number => performance.getEntriesByName('order-status-shown')[0]!.startTime;
  for (let index = 0; index < visits; index++) {
    const view = await openPage(PHONE);
    try {
      for (const recorder of [cold, warm]) {
        await view.page.goto(url);
        await view.page.waitForFunction(() => performance.getEntriesByName('order-status-shown').length > 0);
        recorder.record(await view.page.evaluate(shownAt));
      }
      if (view.errors.length > 0) throw new Error(`${label}: the page reported errors: ${view.errors.join('; ')}`);
    } finally {
      await view.context.close();
    }
    if (index % 5 === 4) progress(`${label}: ${index + 1}/${visits} visits, cold p50 ${cold.percentile(50)} ms`);
  }
  return { cold, warm };
}

/** The customer's tracking page in real Chromium: navigation start → first status shown, cold and warm. */
export const pages: Benchmark = {
  name: 'pages',
  description: 'tracking page in Chromium on a phone viewport: navigation → first status shown, cold and warm (vs a bare static page)',
  defaults: { visits: 20 },
  target: 'first status shown within 1 s of navigation on localhost (cold, p99)',
  async run({ options, progress }) {
    const nodes = new Nodes();
    const bare = await bareServer();
    try {
      progress('building the pages');
      const built = await buildPages();
      const node = await nodes.start();
      const key = await tenant(node.url);
      const order = await post<{ id: string; tracking_token: string }>(`${node.url}/v1/orders`, key, {
        customer: { id: 'page-customer' },
        destination: { address: '8 Tai Hang Road, Hong Kong', lat: 22.2781, lng: 114.1925 },
      });
      await post(`${node.url}/v1/orders/${order.id}/status`, key, { status: 'processing' });

      const product = await visit(`${node.url}/track/${order.id}?token=${order.tracking_token}`, options.visits!, progress, 'tracking page');
      const reference = await visit(bare.url, options.visits!, progress, 'bare page');
      const coldP99 = product.cold.percentile(99);
      const gz = Object.fromEntries(built.map((page) => [`${page.name}_js_css_gzip_kb`, page.gzippedKb]));
      return {
        metrics: {
          visits: options.visits!,
          cold_p50_ms: product.cold.percentile(50),
          cold_p99_ms: coldP99,
          warm_p50_ms: product.warm.percentile(50),
          warm_p99_ms: product.warm.percentile(99),
          ...gz,
        },
        reference: {
          name: 'bare static page marking from an inline script',
          metrics: { cold_p50_ms: reference.cold.percentile(50), cold_p99_ms: reference.cold.percentile(99), warm_p50_ms: reference.warm.percentile(50) },
        },
        ratio: { metric: 'cold p50, page ÷ bare', value: round(product.cold.percentile(50) / Math.max(1, reference.cold.percentile(50)), 2) },
        targets: [{ target: 'first status within 1 s (cold p99)', measured: `${coldP99} ms over ${options.visits} visits`, met: coldP99 <= FIRST_STATUS_MS }],
        latency: [
          [50, product.cold.percentile(50)],
          [99, coldP99],
        ],
      };
    } finally {
      await closeBrowser();
      await bare.close();
      await nodes.stop();
    }
  },
};

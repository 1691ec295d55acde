import { Nodes, post, tenant } from '../lib/nodes';
import { Recorder } from '../lib/stats';
import type { Benchmark } from '../lib/types';

// A batch of 100 labels is what a shift's printout takes at once; a few seconds keeps the dispatcher waiting little.
const BATCH_P50_MS = 2_000;

// Names and addresses as Hong Kong and Gulf customers write them (`--scripts 1`): the label fonts' path.
const CHINESE = { name: '陳大文', address: (index: number) => `九龍旺角彌敦道${index + 1}號旺角中心十八樓` };
const ARABIC = { name: 'محمد بن سلمان', address: (index: number) => `شارع الشيخ زايد ${index + 1}، دبي، الإمارات العربية المتحدة` };

/** The labels PDF of a full batch (100 orders) over HTTP: time to the last byte, and the size. */
export const labels: Benchmark = {
  name: 'labels',
  description:
    'GET /v1/labels with 100 ids: the streamed PDF (Code 128 + QR code per page), time to first and last byte; --scripts 1: Chinese and Arabic names and addresses',
  defaults: { labels: 100, requests: 5, scripts: 0 },
  target: `a batch of 100 labels within ${BATCH_P50_MS / 1000} s (p50)`,
  async run({ options, progress }) {
    const nodes = new Nodes();
    try {
      const node = await nodes.start({ LOG_LEVEL: 'info' });
      const apiKey = await tenant(node.url);
      progress(`placing ${options.labels} orders`);
      const ids: string[] = [];
      for (let index = 0; index < options.labels!; index++) {
        const script = index % 2 === 0 ? CHINESE : ARABIC;
        const order = await post<{ id: string }>(`${node.url}/v1/orders`, apiKey, {
          external_id: `bench-${index}`,
          customer: { id: `c${index}`, name: options.scripts ? `${script.name} Bench Person` : 'Bench Person' },
          destination: { address: options.scripts ? script.address(index) : `${index + 1} Nathan Road, Kowloon` },
          amount: { value: 12900, currency: 'HKD' },
          promised_by: new Date(Date.now() + 86_400_000).toISOString(),
          payment: { method: 'cash' },
        });
        ids.push(order.id);
      }
      const url = `${node.url}/v1/labels?ids=${ids.join(',')}`;
      const whole = new Recorder();
      const firstByte = new Recorder();
      let bytes = 0;
      for (let index = 0; index < options.requests!; index++) {
        const started = performance.now();
        const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey}` } });
        if (!response.ok || !response.body) throw new Error(`labels: ${response.status} ${await response.text()}`);
        bytes = 0;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          if (bytes === 0) firstByte.record(performance.now() - started);
          bytes += chunk.length;
        }
        whole.record(performance.now() - started);
        progress(`batch ${index + 1}/${options.requests}: ${Math.round(performance.now() - started)} ms`);
      }
      const p50 = whole.percentile(50);
      return {
        metrics: {
          labels: options.labels!,
          'batch p50 (ms)': p50,
          'batch max (ms)': whole.percentile(100),
          'first byte p50 (ms)': firstByte.percentile(50),
          'PDF size (KiB)': Math.round(bytes / 1024),
          'per label (ms)': Math.round(p50 / options.labels!),
        },
        targets: [{ target: `batch of ${options.labels} ≤ ${BATCH_P50_MS} ms (p50)`, measured: `${p50} ms`, met: p50 <= BATCH_P50_MS }],
        notes: [
          'each page draws its two codes as vectors when it is reached; the first page goes out before the last is drawn',
          options.scripts ? 'names and addresses in Chinese and Arabic (label fonts embedded, subset)' : 'names and addresses in Latin script (Helvetica only)',
        ],
      };
    } finally {
      await nodes.stop();
    }
  },
};

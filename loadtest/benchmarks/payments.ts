import { createHmac, timingSafeEqual } from 'node:crypto';
import { inBatches, Nodes, post, tenant } from '../lib/nodes';
import { cpuSeconds } from '../lib/process-cpu';
import { Recorder, round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

const SECRET = 'whsec_bench_0123456789abcdef0123456789abcdef';
const PRICE = 12900;

/** A Stripe `payment_intent.succeeded` event for `orderId`, as Stripe sends it, and its `Stripe-Signature` header. */
function signedCapture(orderId: string, index: number): { body: string; signature: string } {
  const created = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    id: `evt_bench_${index}`,
    object: 'event',
    api_version: '2024-06-20',
    created,
    type: 'payment_intent.succeeded',
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: {
      object: {
        id: `pi_bench_${index}`,
        object: 'payment_intent',
        amount: PRICE,
        amount_received: PRICE,
        currency: 'hkd',
        status: 'succeeded',
        metadata: { order_id: orderId },
        payment_method_types: ['card'],
        latest_charge: `ch_bench_${index}`,
      },
    },
  });
  return { body, signature: `t=${created},v1=${createHmac('sha256', SECRET).update(`${created}.${body}`).digest('hex')}` };
}

/**
 * Payment notifications one node verifies and applies: `--orders` orders, each paid by one Stripe notification
 * (`payment_intent.succeeded`, signed as Stripe signs) posted to the provider's `webhook_url` with `--concurrency` at
 * once. Each is verified (HMAC-SHA256 over the raw body, 5-minute tolerance), read, found its order, and applied through
 * the order's actor: the transaction, the payment and its `payment.updated` owed in one store write. Then every order
 * is checked paid, once. The reference, in the same run: a bare loop verifying the same notifications (HMAC, constant
 * time comparison, JSON.parse) in this process, nothing stored.
 */
export const payments: Benchmark = {
  name: 'payments',
  description: 'payment providers\' notifications one node verifies and applies vs a bare HMAC verification loop',
  defaults: { orders: 2000, concurrency: 32 },
  target: 'report notifications/s and the ratio to the bare HMAC loop; every notification applied once',
  async run({ options, progress }) {
    const count = options.orders!;
    const nodes = new Nodes();
    const notes: string[] = [];
    try {
      const node = await nodes.start({ SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') });
      const apiKey = await tenant(node.url);
      const provider = await post<{ id: string; webhook_url: string }>(`${node.url}/v1/payment-providers`, apiKey, {
        provider: 'stripe',
        credentials: { webhook_secret: SECRET },
      });
      const eventsUrl = `${node.url}${new URL(provider.webhook_url).pathname}`;

      const indices = Array.from({ length: count }, (_, index) => index);
      const orderIds = await inBatches(indices, options.concurrency!, async (index) => {
        const order = await post<{ id: string }>(`${node.url}/v1/orders`, apiKey, { customer: { id: `c${index}` }, amount: { value: PRICE, currency: 'HKD' } });
        if (index % 500 === 0) progress(`placed ${index.toLocaleString()}/${count.toLocaleString()} orders`);
        return order.id;
      });
      const signed = orderIds.map((orderId, index) => signedCapture(orderId, index));

      const latency = new Recorder();
      const series = new Recorder();
      const cpuBefore = cpuSeconds(node.pid);
      const started = performance.now();
      await inBatches(indices, options.concurrency!, async (index) => {
        const { body, signature } = signed[index]!;
        const sent = performance.now();
        const response = await fetch(eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, body });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`notification: ${response.status}`);
        latency.record(performance.now() - sent);
        series.count();
        if (index % 500 === 0) progress(`notified ${index.toLocaleString()}/${count.toLocaleString()}`);
      });
      const seconds = Math.max(0.001, (performance.now() - started) / 1000);
      const cpu = cpuSeconds(node.pid) - cpuBefore;

      // Every order paid, by one capture.
      let paid = 0;
      let captures = 0;
      await inBatches(orderIds, options.concurrency!, async (orderId) => {
        const read = await fetch(`${node.url}/v1/orders/${orderId}`, { headers: { authorization: `Bearer ${apiKey}` } });
        const order = (await read.json()) as { payment: { status: string } };
        if (order.payment.status === 'paid') paid++;
      });
      for (let cursor: string | null = null, first = true; first || cursor; first = false) {
        const query: string = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = (await (await fetch(`${node.url}/v1/payments/transactions?${query}`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as {
          items: Array<{ kind: string }>;
          next_cursor: string | null;
        };
        captures += page.items.filter((item) => item.kind === 'capture').length;
        cursor = page.next_cursor;
      }
      await nodes.stop();

      // Reference: the same notifications verified by a bare loop (what a verifier cannot do without).
      const key = Buffer.from(SECRET);
      const referenceStart = performance.now();
      let verified = 0;
      for (const { body, signature } of signed) {
        const [t, v1] = signature.split(',').map((part) => part.slice(part.indexOf('=') + 1));
        const expected = Buffer.from(createHmac('sha256', key).update(`${t}.${body}`).digest('hex'));
        const given = Buffer.from(v1!);
        if (expected.length === given.length && timingSafeEqual(expected, given) && (JSON.parse(body) as { type: string }).type) verified++;
      }
      const referenceSeconds = Math.max(0.000001, (performance.now() - referenceStart) / 1000);
      const referencePerSecond = verified / referenceSeconds;

      notes.push(
        `One node (SQLite, STORE_SYNC=full, SECRETS_KEY set: the provider's secret is decrypted for each notification); ${options.concurrency} notifications at once over HTTP from this process.`,
        `Each notification is verified, read, its order found by id and the capture applied through the order's actor: transaction, payment and the payment.updated webhook owed in one store write.`,
        `Node CPU over the run: ${round(cpu, 2)} s (${round((cpu * 1000) / count, 2)} ms a notification).`,
        `After the run: ${paid} of ${count} orders paid, ${captures} captures recorded.`,
      );
      return {
        metrics: {
          notifications: count,
          notifications_per_s: Math.round(count / seconds),
          p50_ms: latency.percentile(50),
          p99_ms: latency.percentile(99),
          node_cpu_ms_per_notification: round((cpu * 1000) / count, 2),
          orders_paid: paid,
          captures_recorded: captures,
        },
        reference: { name: 'bare HMAC-SHA256 verification loop (same notifications, in process)', metrics: { verified, verified_per_s: Math.round(referencePerSecond) } },
        ratio: { metric: 'notifications_per_s', value: round(count / seconds / referencePerSecond, 4) },
        targets: [
          {
            target: 'every notification applied once',
            measured: `${paid}/${count} orders paid, ${captures} captures`,
            met: paid === count && captures === count,
          },
        ],
        latency: latency.distribution(),
        throughput: series.throughput(),
        notes,
      };
    } finally {
      await nodes.stop();
    }
  },
};

/**
 * The worker-only process (PROCESS_ROLE=worker, `npm run worker`): it serves no HTTP, says so in one JSON line
 * with `"worker":true`, delivers alerts queued by API nodes, and shuts down cleanly on SIGTERM like any node
 * (finishing its jobs, closing the store and Redis, exit code 0).
 */
import { deliveryLog } from '../../support/alerts';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

/** Per address: what the SMTP server waits for before it accepts a message. */
const holds = new Map<string, () => Promise<void>>();

// One API-only node for the file; each test starts a worker on its data directory and prefix.
const area = notifyArea('role', { smtp: { hold: (message) => holds.get(message.to[0]!)?.() }, per: 'file' });
let api: TestNode;

beforeAll(async () => {
  api = await area.startNode({ PROCESS_ROLE: 'api' });
});

it('serves no HTTP, delivers the alerts of the API node, and exits 0 on SIGTERM', async () => {
  const worker = await area.spawnWorker();
  const started = JSON.parse(worker.output.find((line) => line.includes('"worker":true'))!);
  expect(started).toMatchObject({ worker: true, role: 'worker' });
  expect(worker.output.some((line) => line.includes('"url"'))).toBe(false);

  const biz = client(api.url, (await createTenant(api.url)).apiKey);
  const id = unique('cust');
  const order = await placeOrder(biz, { customer: { id, email: `${id}@mail.example` }, notify: { email: true, sms: false } });
  await postStatus(biz, order.id, 'shipped');
  await area.smtp.waitForMessagesTo(`${id}@mail.example`, 1, 20_000);

  worker.child.kill('SIGTERM');
  const exit = await worker.exited;
  expect({ exit, failed: worker.output.filter((line) => line.includes('shutdown failed')) }).toEqual({
    exit: { code: 0, signal: null },
    failed: [],
  });
  expect(worker.output.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
});

it('SIGTERM while a send is in flight: the worker finishes and logs the send, then exits 0', async () => {
  const worker = await area.spawnWorker();
  const biz = client(api.url, (await createTenant(api.url)).apiKey);
  const id = unique('cust');
  const email = `${id}@mail.example`;
  let arrived!: () => void;
  const dataIn = new Promise<void>((resolve) => (arrived = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  holds.set(email, () => {
    arrived();
    return released;
  });
  const order = await placeOrder(biz, { customer: { id, email }, notify: { email: true, sms: false } });
  const { seq } = await postStatus(biz, order.id, 'shipped');

  await dataIn; // the worker has claimed the send and waits for the SMTP server's answer
  worker.child.kill('SIGTERM');
  await worker.waitForLine((line) => line.includes('"msg":"shutting down"'));
  release();
  const exit = await worker.exited;

  expect({ exit, log: await deliveryLog(biz, order.id) }).toEqual({
    exit: { code: 0, signal: null },
    log: [{ channel: 'email', status: 'sent', seq, attempts: 1, at: expect.any(String) }],
  });
  expect(area.smtp.messagesTo(email)).toHaveLength(1);
});

/**
 * The worker-only process (PROCESS_ROLE=worker, `npm run worker`): it serves no HTTP, says so in one JSON line
 * with `"worker":true`, delivers alerts queued by API nodes, and shuts down cleanly on SIGTERM like any node
 * (finishing its jobs, closing the store and Redis, exit code 0).
 */
import { placeOrder, unique } from '../support/fixtures';
import { client } from '../support/http';
import { createTenant, removeDir, startTestNode, tempDir, type TestNode } from '../support/node';
import {
  deliveryLog,
  dropPrefix,
  killAllWorkers,
  notifyEnv,
  notifyPrefix,
  postStatus,
  spawnWorker,
  startSmtp,
  type SmtpServerHandle,
} from '../support/notify';

jest.setTimeout(60_000);

let smtp: SmtpServerHandle;
let api: TestNode;
const dataDir = tempDir();
const prefix = notifyPrefix('role');
/** Per address: what the SMTP server waits for before it accepts a message. */
const holds = new Map<string, () => Promise<void>>();

beforeAll(async () => {
  smtp = await startSmtp({ hold: (message) => holds.get(message.to[0]!)?.() });
  api = await startTestNode({ dataDir, env: notifyEnv(prefix, { smtp }, { PROCESS_ROLE: 'api' }) });
});

afterAll(async () => {
  await killAllWorkers();
  await api?.close({ keepData: true });
  await smtp?.close();
  removeDir(dataDir);
  await dropPrefix(prefix);
});

it('serves no HTTP, delivers the alerts of the API node, and exits 0 on SIGTERM', async () => {
  const worker = await spawnWorker(dataDir, notifyEnv(prefix, { smtp }));
  const started = JSON.parse(worker.output.find((line) => line.includes('"worker":true'))!);
  expect(started).toMatchObject({ worker: true, role: 'worker' });
  expect(worker.output.some((line) => line.includes('"url"'))).toBe(false);

  const biz = client(api.url, (await createTenant(api.url)).apiKey);
  const id = unique('cust');
  const order = await placeOrder(biz, { customer: { id, email: `${id}@mail.example` }, notify: { email: true, sms: false } });
  await postStatus(biz, order.id, 'shipped');
  await smtp.waitForMessagesTo(`${id}@mail.example`, 1, 20_000);

  worker.child.kill('SIGTERM');
  const exit = await worker.exited;
  expect({ exit, failed: worker.output.filter((line) => line.includes('shutdown failed')) }).toEqual({
    exit: { code: 0, signal: null },
    failed: [],
  });
  expect(worker.output.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
});

it('SIGTERM while a send is in flight: the worker finishes and logs the send, then exits 0', async () => {
  const worker = await spawnWorker(dataDir, notifyEnv(prefix, { smtp }));
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
  const seq = await postStatus(biz, order.id, 'shipped');

  await dataIn; // the worker has claimed the send and waits for the SMTP server's answer
  worker.child.kill('SIGTERM');
  await worker.waitForLine((line) => line.includes('"msg":"shutting down"'));
  release();
  const exit = await worker.exited;

  expect({ exit, log: await deliveryLog(biz, order.id) }).toEqual({
    exit: { code: 0, signal: null },
    log: [{ channel: 'email', status: 'sent', seq, attempts: 1, at: expect.any(String) }],
  });
  expect(smtp.messagesTo(email)).toHaveLength(1);
});

/**
 * Channel failures (API.md "Notifications"): a permanent email failure falls through to SMS at once; a transient
 * one is retried with backoff and sends exactly one email; one that never clears runs out of attempts
 * (NOTIFY_ATTEMPTS) and falls through; an invalid phone number fails the SMS for good. Every case ends with the
 * delivery log telling what happened, and no channel sent twice.
 */
import { deliveryLog } from '../../support/alerts';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import type { SmtpReply } from '../../support/smtp';
import { createTenant } from '../../support/tenant';
import { INVALID_NUMBER } from '../../support/twilio';

jest.setTimeout(30_000);

const ATTEMPTS = 3;
/** How the SMTP server answers RCPT TO for an address: by attempt number, null = accept. */
const smtpPolicy = new Map<string, (attempt: number) => SmtpReply | null>();
/** How the Twilio stand-in answers for a number: by attempt number, null = accept. */
const smsPolicy = new Map<string, (attempt: number) => { status: number; body: unknown } | null>();

const area = notifyArea('fall', {
  smtp: { failWith: (rcpt, attempt) => smtpPolicy.get(rcpt)?.(attempt) ?? null },
  twilio: { respond: (to, attempt) => smsPolicy.get(to)?.(attempt) ?? null },
});
let biz: Client;

beforeEach(async () => {
  const server = await area.startNode({ NOTIFY_ATTEMPTS: String(ATTEMPTS) });
  biz = client(server.url, (await createTenant(server.url)).apiKey);
});

let phoneCounter = 0;
function newCustomer(withEmail = true) {
  const id = unique('cust');
  phoneCounter += 1;
  return {
    id,
    name: 'Lin',
    ...(withEmail ? { email: `${id}@mail.example` } : {}),
    phone: `+1555${String(process.pid % 1000).padStart(3, '0')}${String(phoneCounter).padStart(4, '0')}`,
  };
}

/** Places an order asking for both channels and ships it; resolves with the alert's outcome. */
async function shipAndProcess(who: ReturnType<typeof newCustomer>) {
  const order = await placeOrder(biz, { external_id: unique('ref'), customer: who, notify: { email: true, sms: true } });
  const { seq } = await postStatus(biz, order.id, 'shipped');
  const outcome = await area.alerts.outcome(order.id, seq);
  return { order, seq, outcome, log: await deliveryLog(biz, order.id) };
}

const rcptCodes = (address: string) => area.smtp.rcpts.filter((r) => r.address === address).map((r) => r.code);
const smsTo = (phone: string) => area.twilio.requests.filter((r) => r.to === phone);

describe('email fails', () => {
  it('permanently (550 on RCPT): falls through to one SMS; the log shows email failed, then SMS sent', async () => {
    const who = newCustomer();
    smtpPolicy.set(who.email!, () => ({ code: 550, message: 'No such user here' }));
    const { order, seq, outcome, log } = await shipAndProcess(who);

    expect(outcome).toEqual({ kind: 'sent', channel: 'sms' });
    expect(rcptCodes(who.email!)).toEqual([550]); // not retried
    expect(area.smtp.messagesTo(who.email!)).toEqual([]);
    const sms = smsTo(who.phone);
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ status: 201, from: area.twilio.from, user: area.twilio.accountSid });
    expect(sms[0]!.body).toContain(order.external_id);
    expect(sms[0]!.body).toContain(`/track/${order.id}?token=`);
    expect(log).toEqual([
      { channel: 'email', status: 'failed', seq, attempts: 1, reason: 'permanent', error: expect.stringContaining('550'), at: expect.any(String) },
      { channel: 'sms', status: 'sent', seq, attempts: 1, at: expect.any(String) },
    ]);
  });

  it('transiently once (451, then accepted): retried, exactly one email, attempts 2, no SMS', async () => {
    const who = newCustomer();
    smtpPolicy.set(who.email!, (attempt) => (attempt === 1 ? { code: 451, message: 'Try again later' } : null));
    const { seq, outcome, log } = await shipAndProcess(who);

    expect(outcome).toEqual({ kind: 'sent', channel: 'email' });
    expect(rcptCodes(who.email!)).toEqual([451, 250]);
    expect(area.smtp.messagesTo(who.email!)).toHaveLength(1);
    expect(smsTo(who.phone)).toEqual([]);
    expect(log).toEqual([{ channel: 'email', status: 'sent', seq, attempts: 2, at: expect.any(String) }]);
  });

  it(`transiently every time: after ${ATTEMPTS} attempts falls through to SMS (retries_exhausted)`, async () => {
    const who = newCustomer();
    smtpPolicy.set(who.email!, () => ({ code: 451, message: 'Greylisted' }));
    const { seq, outcome, log } = await shipAndProcess(who);

    expect(outcome).toEqual({ kind: 'sent', channel: 'sms' });
    expect(rcptCodes(who.email!)).toEqual(Array(ATTEMPTS).fill(451));
    expect(area.smtp.messagesTo(who.email!)).toEqual([]);
    expect(smsTo(who.phone)).toHaveLength(1);
    expect(log).toEqual([
      { channel: 'email', status: 'failed', seq, attempts: ATTEMPTS, reason: 'retries_exhausted', error: expect.stringContaining('451'), at: expect.any(String) },
      { channel: 'sms', status: 'sent', seq, attempts: 1, at: expect.any(String) },
    ]);
  });
});

describe('SMS fails', () => {
  it('with an invalid number (21211) and no email address: one request, logged sms failed', async () => {
    const who = newCustomer(false);
    smsPolicy.set(who.phone, () => INVALID_NUMBER);
    const { seq, outcome, log } = await shipAndProcess(who);

    expect(outcome).toEqual({ kind: 'failed' });
    expect(smsTo(who.phone)).toHaveLength(1); // permanent: not retried
    expect(log).toEqual([
      { channel: 'sms', status: 'failed', seq, attempts: 1, reason: 'permanent', error: expect.stringContaining('21211'), at: expect.any(String) },
    ]);
  });

  it.each([
    ['500', { status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } }],
    ['429', { status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 } }],
  ])('transiently (%s once, then accepted): retried, exactly one message taken, attempts 2', async (_code, answer) => {
    const who = newCustomer(false);
    smsPolicy.set(who.phone, (attempt) => (attempt === 1 ? answer : null));
    const { seq, outcome, log } = await shipAndProcess(who);

    expect(outcome).toEqual({ kind: 'sent', channel: 'sms' });
    expect(smsTo(who.phone).map((r) => r.status)).toEqual([answer.status, 201]);
    expect(log).toEqual([{ channel: 'sms', status: 'sent', seq, attempts: 2, at: expect.any(String) }]);
  });

  it('after email failed permanently and SMS kept failing transiently: both logged failed, nothing sent', async () => {
    const who = newCustomer();
    smtpPolicy.set(who.email!, () => ({ code: 550, message: 'No such user here' }));
    smsPolicy.set(who.phone, () => ({ status: 503, body: { code: 20503, message: 'Service Unavailable', status: 503 } }));
    const { seq, outcome, log } = await shipAndProcess(who);

    expect(outcome).toEqual({ kind: 'failed' });
    expect(rcptCodes(who.email!)).toEqual([550]); // the permanent failure is not retried on later runs
    expect(smsTo(who.phone)).toHaveLength(ATTEMPTS);
    expect(log).toEqual([
      expect.objectContaining({ channel: 'email', status: 'failed', seq, attempts: 1, reason: 'permanent' }),
      expect.objectContaining({ channel: 'sms', status: 'failed', seq, attempts: ATTEMPTS, reason: 'retries_exhausted' }),
    ]);
  });
});

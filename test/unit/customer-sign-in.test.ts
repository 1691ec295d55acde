/**
 * Signing in to the portal by a code, without HTTP: which customer an address signs in, and the session service on a real embedded store with a recording channel and the real logger: no address
 * or code in any log line, whatever happens to the request.
 */
import { rankHolders, type Holding } from '../../src/domain/sign-in';
import { createLogger } from '../../src/logger';
import type { Channel } from '../../src/notifiers/channel';
import type { MessageRequest } from '../../src/domain/message';
import { ContactCodeSender } from '../../src/notifiers/contact-code-sender';
import { TemplateCatalog } from '../../src/notifiers/templates';
import { PermanentDeliveryError } from '../../src/notifiers/delivery-errors';
import { CustomerSessionService, type SignInOutcome } from '../../src/services/customer-session-service';
import { createSqliteStore } from '../../src/store/sqlite/create-store';
import type { Store } from '../../src/store/store';
import { at, buildOrder, buildTenant, placedEvent } from '../support/store-contract';
import { removeDir, tempDir } from '../support/temp-dir';

describe('rankHolders', () => {
  const holding = (customer: string, order: string | null, last: string | null): Holding => ({ customer_id: customer, order_id: order, last_order_at: last });

  it('puts the customer whose latest order is newest first, those without orders last, ties by id', () => {
    const ranked = rankHolders([
      holding('c3', null, null),
      holding('c1', 'o1', at(1)),
      holding('c2', 'o2', at(5)),
      holding('c1', 'o3', at(1)),
      holding('c1', null, at(1)),
      holding('c0', null, null),
      holding('c4', 'o4', at(5)),
    ]);
    expect(ranked).toEqual([
      { customerId: 'c2', orderIds: ['o2'], preferences: false },
      { customerId: 'c4', orderIds: ['o4'], preferences: false },
      { customerId: 'c1', orderIds: ['o1', 'o3'], preferences: true },
      { customerId: 'c0', orderIds: [], preferences: true },
      { customerId: 'c3', orderIds: [], preferences: true },
    ]);
    expect(rankHolders([])).toEqual([]);
  });
});

describe('CustomerSessionService', () => {
  const EMAIL = 'ada.lovelace@example.com';
  let dataDir: string;
  let store: Store;
  let tenantId: string;
  let lines: string[];
  let outcomes: SignInOutcome[];
  let sent: Array<{ to: string; text: string }>;
  let refuse: boolean;

  const channel: Channel = {
    name: 'email',
    async send(message) {
      // As the email channel classifies a relay's refusal (its answer, which may quote the address, left out).
      if (refuse) throw new PermanentDeliveryError('smtp 550', 550);
      sent.push({ to: message.to, text: message.text });
    },
  };
  const service = (over: { now?: () => Date } = {}) =>
    new CustomerSessionService({
      store,
      sender: new ContactCodeSender([channel]),
      render,
      tokens: { mint: (tenant, role, subject, ttl) => ({ token: `${tenant}:${role}:${subject}:${ttl}`, expires_at: at(ttl / 60) }) },
      secret: 'a-secret-of-enough-length',
      logger: createLogger('debug', false, { write: (line: string) => void lines.push(line) }),
      counted: { inc: ({ outcome }) => void outcomes.push(outcome) },
      ...over,
    });
  const render = (request: MessageRequest) => new TemplateCatalog({ store, publicUrl: 'https://shop.example', logger: createLogger('silent', false) }).render(request);
  const codeIn = (text: string) => /\b(\d{6})\b/.exec(text)![1]!;

  beforeEach(async () => {
    dataDir = tempDir();
    store = createSqliteStore({ dataDir });
    await store.lifecycle.init();
    const tenant = buildTenant({ name: 'Acme' });
    tenantId = tenant.id;
    await store.tenants.createTenant(tenant, 'hash');
    const order = buildOrder(tenantId, { customer: { id: 'c1', email: EMAIL } });
    await store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' });
    lines = [];
    outcomes = [];
    sent = [];
    refuse = false;
  });
  afterEach(async () => {
    await store.lifecycle.close();
    removeDir(dataDir);
  });

  it('answers a request before looking it up, then sends; signs in with the code; the log holds no address or code', async () => {
    const sessions = service();
    sessions.request({ tenant: tenantId, email: EMAIL });
    expect(outcomes).toEqual([]);
    await sessions.idle();
    expect(outcomes).toEqual(['sent']);
    const code = codeIn(sent[0]!.text);
    await expect(sessions.signIn({ tenant: tenantId, email: 'Ada.Lovelace@example.com', code })).resolves.toEqual({
      token: `${tenantId}:customer:c1:2592000`,
      expires_at: expect.any(String),
      customer_id: 'c1',
    });
    // The store keeps the code's keyed hash only.
    expect(JSON.stringify(await store.contacts.trySignInCode(tenantId, 'email', EMAIL))).not.toContain(code);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain('ada.lovelace');
      expect(line).not.toContain(code);
    }
  });

  it('counts every outcome, and logs a refused or failed send without the address', async () => {
    const sessions = service();
    refuse = true;
    sessions.request({ tenant: tenantId, email: EMAIL });
    sessions.request({ tenant: tenantId, email: 'nobody@example.com' });
    sessions.request({ tenant: 'no-such-shop', email: EMAIL });
    sessions.request({ tenant: tenantId, phone: '+15550000001' });
    await sessions.idle();
    expect(outcomes.sort()).toEqual(['no_channel', 'no_customer', 'refused', 'unknown_tenant']);
    expect(lines.some((line) => line.includes('sign-in code not delivered'))).toBe(true);
    for (const line of lines) {
      expect(line).not.toMatch(/ada\.lovelace|nobody@|15550000001/);
    }
  });

  it('drops requests past the waiting limit, and every request once stopped', async () => {
    const sessions = new CustomerSessionService({
      store,
      sender: new ContactCodeSender([channel]),
      render,
      tokens: { mint: () => ({ token: 't', expires_at: at(0) }) },
      secret: 'a-secret-of-enough-length',
      logger: createLogger('debug', false, { write: (line: string) => void lines.push(line) }),
      counted: { inc: ({ outcome }) => void outcomes.push(outcome) },
      maxWaiting: 2,
    });
    for (let n = 0; n < 4; n++) sessions.request({ tenant: tenantId, email: `reader${n}@example.com` });
    expect(outcomes).toEqual(['dropped', 'dropped']);
    await sessions.stop();
    expect(outcomes.sort()).toEqual(['dropped', 'dropped', 'no_customer', 'no_customer']);
    sessions.request({ tenant: tenantId, email: EMAIL });
    expect(outcomes.filter((outcome) => outcome === 'dropped')).toHaveLength(3);
    await sessions.idle();
    expect(sent).toEqual([]);
  });

  it('rejects options it cannot work with', () => {
    const base = { store, sender: new ContactCodeSender([channel]), render, tokens: { mint: () => ({ token: 't', expires_at: at(0) }) }, logger: createLogger('silent', false) };
    expect(() => new CustomerSessionService({ ...base, secret: 'short' })).toThrow(RangeError);
    expect(() => new CustomerSessionService({ ...base, secret: 'a-secret-of-enough-length', codeTtlMs: 90_000 })).toThrow(RangeError);
    expect(() => new CustomerSessionService({ ...base, secret: 'a-secret-of-enough-length', concurrency: 0 })).toThrow(RangeError);
  });
});

import { CodeHasher } from '../auth/code-hasher';
import type { Logger } from 'pino';
import type { TokenService } from '../auth/token-service';
import { isConfirmed, mayAlert, type ContactKind } from '../domain/contact';
import { UnauthorizedError } from '../domain/errors';
import { newId } from '../domain/ids';
import type { MessageRequest, RenderOutcome } from '../domain/message';
import { matchLocale } from '../domain/locale';
import { rankHolders, type Holder } from '../domain/sign-in';
import type { ContactCodeSender } from '../notifiers/contact-code-sender';
import { DeliveryError } from '../notifiers/delivery-errors';
import type { ContactBook } from '../store/contacts/port';
import type { CustomerDirectory } from '../store/customers/port';
import type { OrderSearch } from '../store/search/port';
import type { TenantDirectory } from '../store/tenants/port';
import { targetOf, type ContactTarget } from './contact-service';

/** A request for a sign-in code: the portal's tenant (its slug) and the customer's address. */
export type SignInRequest = { tenant: string } & ContactTarget;

/** A sign-in with the code that came: the request's fields and the code. */
export type SignInAttempt = SignInRequest & { code: string };

/** A customer's session: its token (a customer token) and whose it is. */
export interface CustomerSession {
  token: string;
  expires_at: string;
  customer_id: string;
}

/**
 * What became of a request for a code (none says whom it concerned): `sent`; `unknown_tenant`, `no_customer` (no
 * customer of the tenant holds the address, or only as an address it set itself and never confirmed), `no_channel`
 * (this server sends no email, or no SMS), `rate_limited` (the address had its codes this hour): nothing sent;
 * `refused` (the address's provider refused it) and `failed` (the channel or the store failed for now): not delivered;
 * `dropped`: too many requests waiting, not looked at.
 */
export type SignInOutcome = 'sent' | 'unknown_tenant' | 'no_customer' | 'no_channel' | 'rate_limited' | 'refused' | 'failed' | 'dropped';

export interface CustomerSessionServiceOptions {
  store: {
    tenants: Pick<TenantDirectory, 'findTenantIdBySlug' | 'getTenant' | 'getTenantSettings'>;
    customers: Pick<CustomerDirectory, 'addressHolders'>;
    contacts: Pick<ContactBook, 'issueCode' | 'trySignInCode' | 'spendSignInCode' | 'contactStanding'>;
    search: Pick<OrderSearch, 'searchOrders'>;
  };
  sender: Pick<ContactCodeSender, 'canSend' | 'deliver'>;
  /** Renders the code's message (the tenant's template for `sign_in_code` and branding, else the built-in texts). */
  render: (request: MessageRequest) => Promise<RenderOutcome>;
  tokens: Pick<TokenService, 'mint'>;
  /** Keys the codes' hashes, so a copy of the store does not let anyone try the million codes offline. */
  secret: string;
  logger: Pick<Logger, 'debug' | 'warn'>;
  /** Counts what became of each request for a code. @default not counted */
  counted?: { inc(labels: { outcome: SignInOutcome }): void };
  /** @default the system clock */
  now?: () => Date;
  /**
   * How long a code is valid, in ms (whole minutes: the message says how many).
   * @default 600000 (10 minutes, API.md)
   */
  codeTtlMs?: number;
  /**
   * Tries per code; the next one is refused even with the right code.
   * @default 5
   */
  maxTries?: number;
  /**
   * Codes sent to one address per hour (in a tenant, whoever asked).
   * @default 3
   */
  codesPerHour?: number;
  /**
   * How long a session's token is valid, in seconds.
   * @default 2592000 (30 days, API.md)
   */
  sessionTtlS?: number;
  /**
   * Requests for a code looked up and sent at once.
   * @default 16
   */
  concurrency?: number;
  /**
   * Requests waiting their turn; more are dropped (counted, logged), so a flood costs bounded memory.
   * @default 10000
   */
  maxWaiting?: number;
}

const HOUR_MS = 3_600_000;

// The places an address is looked for among a tenant's customers (orders and preferences, each): an address shared
// by more customers than that is a shared mailbox, and its newest orders decide.
const HOLDINGS_LIMIT = 50;

// One answer for every refusal: a sign-in tells nothing of which part was wrong.
const REFUSED = 'the code is wrong, expired or used up; ask for a new one';

/**
 * Customers signing in to the portal by a code sent to their email or phone (API.md "Customer portal"). A request
 * for a code is answered before anything is looked up ({@link request} only queues it), so whether the tenant or the
 * customer exists shows neither in the answer nor in its timing; the lookup and the send happen after, a few at a
 * time. The code goes to the address only when a customer of the tenant holds it (on an order or in its preferences;
 * an address the customer set there itself only once confirmed), in the customer's language. Codes are kept only as
 * keyed hashes, are single use, expire, allow a few tries each, and only a few go to an address an hour; a code
 * serves signing in only (never confirming an address). A code that comes back is a customer token.
 */
export class CustomerSessionService {
  private readonly now: () => Date;
  private readonly codeTtlMs: number;
  private readonly maxTries: number;
  private readonly codesPerHour: number;
  private readonly sessionTtlS: number;
  private readonly concurrency: number;
  private readonly maxWaiting: number;
  private readonly codes: CodeHasher;
  private readonly waiting: SignInRequest[] = [];
  private running = 0;
  private scheduled = false;
  private stopped = false;
  private dropping = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: CustomerSessionServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.codeTtlMs = options.codeTtlMs ?? 600_000;
    this.maxTries = options.maxTries ?? 5;
    this.codesPerHour = options.codesPerHour ?? 3;
    this.sessionTtlS = options.sessionTtlS ?? 30 * 24 * 3600;
    this.concurrency = options.concurrency ?? 16;
    this.maxWaiting = options.maxWaiting ?? 10_000;
    if (!(this.codeTtlMs >= 60_000 && this.codeTtlMs % 60_000 === 0)) throw new RangeError('CustomerSessionService: codeTtlMs must be whole minutes');
    if (!(this.maxTries >= 1)) throw new RangeError('CustomerSessionService: maxTries must be >= 1');
    if (!(this.codesPerHour >= 1)) throw new RangeError('CustomerSessionService: codesPerHour must be >= 1');
    if (!(this.sessionTtlS >= 1)) throw new RangeError('CustomerSessionService: sessionTtlS must be >= 1');
    if (!(this.concurrency >= 1)) throw new RangeError('CustomerSessionService: concurrency must be >= 1');
    if (!(this.maxWaiting >= 1)) throw new RangeError('CustomerSessionService: maxWaiting must be >= 1');
    if (options.secret.length < 16) throw new RangeError('CustomerSessionService: secret must be at least 16 characters');
    // A key of its own, derived: the token secret itself never keys anything but tokens, and a confirmation code's
    // hash never matches here.
    this.codes = new CodeHasher(options.secret, 'sign-in-codes');
  }

  /**
   * Takes a request for a code and returns at once: the lookup and the send run after the caller has answered.
   * Nothing is thrown and nothing returned, whatever becomes of it.
   */
  request(request: SignInRequest): void {
    if (this.stopped) {
      this.settle('dropped');
      return;
    }
    if (this.waiting.length >= this.maxWaiting) {
      this.settle('dropped');
      if (!this.dropping) this.options.logger.warn({ waiting: this.waiting.length }, 'requests for sign-in codes dropped: too many waiting');
      this.dropping = true;
      return;
    }
    this.waiting.push(request);
    this.schedule();
  }

  /**
   * Signs a customer in with the code sent to its address: a customer token for 30 days.
   * @throws UnauthorizedError for an unknown tenant or address, a wrong, expired, used or replaced code, and any try
   *   past the allowed ones, all alike
   */
  async signIn(attempt: SignInAttempt): Promise<CustomerSession> {
    const { store, tokens } = this.options;
    const { kind, address } = targetOf(attempt);
    const tenantId = await store.tenants.findTenantIdBySlug(attempt.tenant);
    if (!tenantId) throw new UnauthorizedError(REFUSED);
    const code = await store.contacts.trySignInCode(tenantId, kind, address);
    if (!code || code.tries > this.maxTries || Date.parse(code.expires_at) <= this.now().getTime()) throw new UnauthorizedError(REFUSED);
    if (!this.codes.matches(code.id, attempt.code, code.code_hash)) throw new UnauthorizedError(REFUSED);
    if (!(await store.contacts.spendSignInCode(code.id))) throw new UnauthorizedError(REFUSED);
    const { token, expires_at } = tokens.mint(tenantId, 'customer', code.customer_id, this.sessionTtlS);
    return { token, expires_at, customer_id: code.customer_id };
  }

  /** Resolves once no request is waiting or being worked on (tests await it to see what was sent). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Takes no more requests and finishes those taken (the node's shutdown bounds the wait). */
  stop(): Promise<void> {
    this.stopped = true;
    return this.idle();
  }

  private isIdle(): boolean {
    return this.waiting.length === 0 && this.running === 0 && !this.scheduled;
  }

  /** Starts the waiting requests on a later turn of the event loop: after the caller's answer is on its way. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      this.running++;
      void this.work(next).then((outcome) => {
        this.running--;
        this.settle(outcome);
        this.pump();
      });
    }
    if (this.waiting.length === 0) this.dropping = false;
    if (this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private settle(outcome: SignInOutcome): void {
    this.options.counted?.inc({ outcome });
  }

  /** Looks the request up and sends its code; never throws (what failed is logged without the address). */
  private async work(request: SignInRequest): Promise<SignInOutcome> {
    let tenantId: string | null = null;
    try {
      tenantId = await this.options.store.tenants.findTenantIdBySlug(request.tenant);
      const outcome = tenantId ? await this.send(tenantId, targetOf(request)) : 'unknown_tenant';
      this.options.logger.debug({ tenant_id: tenantId, outcome }, 'sign-in code asked for');
      return outcome;
    } catch (error) {
      this.options.logger.warn({ err: error, tenant_id: tenantId }, 'sign-in code not sent: it failed');
      return 'failed';
    }
  }

  private async send(tenantId: string, { kind, address }: { kind: ContactKind; address: string }): Promise<SignInOutcome> {
    const { store, sender } = this.options;
    if (!sender.canSend(kind)) return 'no_channel';
    const customerId = await this.holder(tenantId, kind, address);
    if (!customerId) return 'no_customer';
    const now = this.now();
    const id = newId('sic', now.getTime());
    const code = CodeHasher.newCode();
    const issued = await store.contacts.issueCode(
      {
        id,
        purpose: 'sign_in',
        tenant_id: tenantId,
        customer_id: customerId,
        kind,
        address,
        code_hash: this.codes.hash(id, code),
        issued_at: now.toISOString(),
        expires_at: new Date(now.getTime() + this.codeTtlMs).toISOString(),
      },
      { since: new Date(now.getTime() - HOUR_MS).toISOString(), max: this.codesPerHour },
    );
    if (!issued.issued) return 'rate_limited';
    const latest = await store.search.searchOrders(tenantId, { customerId, limit: 1 });
    const customer = latest.items[0]?.customer;
    try {
      const { message } = await this.options.render({
        tenantId,
        locale: matchLocale(customer?.locale),
        subject: 'sign_in_code',
        values: { reference: null, status: null, customerName: customer?.name ?? null, courierName: null, trackingUrl: null, eta: null, reason: null, collect: null, code },
      });
      await sender.deliver(kind, address, message, 'sign-in-code');
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      this.options.logger.warn({ err: error, tenant_id: tenantId, channel: kind === 'email' ? 'email' : 'sms' }, 'sign-in code not delivered');
      return error.retryable ? 'failed' : 'refused';
    }
    return 'sent';
  }

  /** The customer a code to this address signs in: the first of its holders (see `rankHolders`) that may use it. */
  private async holder(tenantId: string, kind: ContactKind, address: string): Promise<string | null> {
    const holdings = await this.options.store.customers.addressHolders(tenantId, kind, address, HOLDINGS_LIMIT);
    for (const holder of rankHolders(holdings)) {
      if (await this.mayUse(tenantId, holder, kind, address)) return holder.customerId;
    }
    return null;
  }

  /**
   * Whether the holder's address signs it in: as for alerts, an address a customer set itself (on an order it placed,
   * in its preferences) counts once confirmed, so no customer can take another's sign-ins by typing their address.
   */
  private async mayUse(tenantId: string, holder: Holder, kind: ContactKind, address: string): Promise<boolean> {
    const { contacts } = this.options.store;
    const standing = await contacts.contactStanding(tenantId, holder.customerId, null);
    if (isConfirmed(standing, kind, address)) return true;
    if (holder.preferences && mayAlert(standing, 'preferences', kind, address)) return true;
    for (const orderId of holder.orderIds) {
      if (mayAlert(await contacts.contactStanding(tenantId, holder.customerId, orderId), 'order', kind, address)) return true;
    }
    return false;
  }
}

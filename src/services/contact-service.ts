import { CodeHasher } from '../auth/code-hasher';
import { addressesOf, normalAddress, PREFERENCES_SCOPE, type ContactKind } from '../domain/contact';
import { InvalidCodeError, RateLimitedError, UnavailableError, ValidationError } from '../domain/errors';
import { newId } from '../domain/ids';
import type { TenantPrincipal } from '../domain/principal';
import type { ContactCodeSender } from '../notifiers/contact-code-sender';
import { DeliveryError } from '../notifiers/delivery-errors';
import type { ContactBook } from '../store/contacts/port';
import type { PreferenceBook, Preferences } from '../store/preferences/port';
import type { OrderSearch } from '../store/search/port';

type Customer = Extract<TenantPrincipal, { role: 'customer' }>;

/** An address a customer names: its email address or its phone number. */
export type ContactTarget = { email: string; phone?: undefined } | { phone: string; email?: undefined };

/** A customer as it sees itself (API.md "Customer portal"). */
export interface CustomerView {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  locale: string | null;
}

export interface ContactServiceOptions {
  store: {
    contacts: Pick<ContactBook, 'issueCode' | 'tryCode' | 'confirmCode' | 'putSelfSet' | 'contactStanding'>;
    preferences: Pick<PreferenceBook, 'getPreferences' | 'putPreferences'>;
    search: Pick<OrderSearch, 'searchOrders'>;
  };
  sender: Pick<ContactCodeSender, 'canSend' | 'send'>;
  /** Keys the codes' hashes, so a copy of the store does not let anyone try the million codes offline. */
  secret: string;
  /** @default the system clock */
  now?: () => Date;
  /**
   * How long a code is valid, in ms.
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
}

const HOUR_MS = 3_600_000;

/**
 * Confirming a customer's own email address or phone (API.md "Customer portal"): a 6-digit code goes to the address,
 * and the address is the customer's (its preferences' address, used for alerts) once the code comes back. Codes are
 * kept only as keyed hashes, are single use, expire, allow a few tries each, and only a few go to an address an hour.
 */
export class ContactService {
  private readonly now: () => Date;
  private readonly codeTtlMs: number;
  private readonly maxTries: number;
  private readonly codesPerHour: number;
  private readonly codes: CodeHasher;

  constructor(private readonly options: ContactServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.codeTtlMs = options.codeTtlMs ?? 600_000;
    this.maxTries = options.maxTries ?? 5;
    this.codesPerHour = options.codesPerHour ?? 3;
    if (!(this.codeTtlMs > 0)) throw new RangeError('ContactService: codeTtlMs must be > 0');
    if (!(this.maxTries >= 1)) throw new RangeError('ContactService: maxTries must be >= 1');
    if (!(this.codesPerHour >= 1)) throw new RangeError('ContactService: codesPerHour must be >= 1');
    if (options.secret.length < 16) throw new RangeError('ContactService: secret must be at least 16 characters');
    // A key of its own, derived: the token secret itself never keys anything but tokens.
    this.codes = new CodeHasher(options.secret, 'contact-codes');
  }

  /** The customer as its latest order and its preferences have it. */
  async me(principal: Customer): Promise<CustomerView> {
    const { store } = this.options;
    const [page, preferences] = await Promise.all([
      store.search.searchOrders(principal.tenantId, { customerId: principal.subject, limit: 1 }),
      store.preferences.getPreferences(principal.tenantId, principal.subject),
    ]);
    const customer = page.items[0]?.customer;
    return {
      id: principal.subject,
      name: customer?.name ?? null,
      email: preferences?.email_address ?? customer?.email ?? null,
      phone: preferences?.phone ?? customer?.phone ?? null,
      // The language it chose itself, else the one its latest order was placed with.
      locale: preferences?.locale ?? customer?.locale ?? null,
    };
  }

  /**
   * Sends a new code to the address (a newer code replaces the customer's earlier ones for it).
   * @throws RateLimitedError when the address had its codes this hour
   * @throws ValidationError when no channel reaches such an address, or the address refused the message
   * @throws UnavailableError when the channel failed for now
   */
  async requestCode(principal: Customer, target: ContactTarget): Promise<{ expires_at: string }> {
    const { kind, address } = targetOf(target);
    const { store, sender } = this.options;
    if (!sender.canSend(kind)) throw new ValidationError('no channel here reaches such an address', [{ path: kind, message: `this server sends no ${kind === 'email' ? 'email' : 'SMS'}` }]);
    const now = this.now();
    const id = newId('cod', now.getTime());
    const code = CodeHasher.newCode();
    const expiresAt = new Date(now.getTime() + this.codeTtlMs).toISOString();
    const issued = await store.contacts.issueCode(
      {
        id,
        purpose: 'confirm',
        tenant_id: principal.tenantId,
        customer_id: principal.subject,
        kind,
        address,
        code_hash: this.codes.hash(id, code),
        issued_at: now.toISOString(),
        expires_at: expiresAt,
      },
      { since: new Date(now.getTime() - HOUR_MS).toISOString(), max: this.codesPerHour },
    );
    if (!issued.issued) {
      throw new RateLimitedError(Math.max(1, Math.ceil((Date.parse(issued.oldest) + HOUR_MS - now.getTime()) / 1000)));
    }
    const { locale } = await this.me(principal);
    try {
      await sender.send(kind, address, code, locale);
    } catch (error) {
      if (!(error instanceof DeliveryError)) throw error;
      if (error.retryable) throw new UnavailableError(kind === 'email' ? 'email' : 'sms', 30, { cause: error });
      throw new ValidationError('the address refused the message', [{ path: kind, message: 'refused by its provider' }]);
    }
    return { expires_at: expiresAt };
  }

  /**
   * Confirms the address with the code sent to it: the address becomes the customer's preferences' address, used for
   * alerts. Resolves with the customer as it is now.
   * @throws InvalidCodeError for a wrong, expired, used or replaced code, and for any try past the allowed ones
   */
  async confirm(principal: Customer, target: ContactTarget, code: string): Promise<CustomerView> {
    const { kind, address } = targetOf(target);
    const { store } = this.options;
    const { tenantId, subject: customerId } = principal;
    const attempt = await store.contacts.tryCode(tenantId, customerId, kind, address);
    if (!attempt) throw new InvalidCodeError('no code is waiting for this address; ask for one');
    if (attempt.tries > this.maxTries) throw new InvalidCodeError('too many tries; ask for a new code');
    const now = this.now();
    if (Date.parse(attempt.expires_at) <= now.getTime()) throw new InvalidCodeError('the code expired; ask for a new one');
    if (!this.codes.matches(attempt.id, code, attempt.code_hash)) throw new InvalidCodeError('wrong code');
    if (!(await store.contacts.confirmCode(attempt.id, now.toISOString()))) throw new InvalidCodeError('the code was used');
    await this.adopt(tenantId, customerId, kind, address, now);
    return this.me(principal);
  }

  /** Makes a confirmed address the preferences' one (the channel choices as they were). */
  private async adopt(tenantId: string, customerId: string, kind: ContactKind, address: string, now: Date): Promise<void> {
    const { store } = this.options;
    const current = await store.preferences.getPreferences(tenantId, customerId);
    const next: Preferences = {
      email: current?.email ?? false,
      sms: current?.sms ?? false,
      push: current?.push ?? true,
      locale: current?.locale ?? null,
      email_address: kind === 'email' ? address : (current?.email_address ?? null),
      phone: kind === 'phone' ? address : (current?.phone ?? null),
      updated_at: now.toISOString(),
    };
    // Still the customer's own choice: recorded as such (and confirmed, so alerts use it).
    const standing = await store.contacts.contactStanding(tenantId, customerId, null);
    const selfSet = standing.preferences.filter((entry) => entry.kind !== kind).concat(addressesOf(kind === 'email' ? { email: address } : { phone: address }));
    await store.contacts.putSelfSet(tenantId, customerId, PREFERENCES_SCOPE, selfSet);
    await store.preferences.putPreferences(tenantId, customerId, next);
  }
}

/** The kind of an address a customer names, and the address as kept (normalised). */
export function targetOf(target: ContactTarget): { kind: ContactKind; address: string } {
  return target.email !== undefined
    ? { kind: 'email', address: normalAddress('email', target.email) }
    : { kind: 'phone', address: normalAddress('phone', target.phone) };
}

/**
 * The customer's session in one shop's portal (API.md "Customer portal"): a customer token got with a code sent to
 * the customer's email or phone, kept in localStorage per shop (one device may use several shops' portals) until
 * sign-out, expiry or a 401 on any call.
 */
import type { MessageKey } from './i18n/en';
import type { CustomerSessionAnswer } from './wire';

export interface PortalSession {
  token: string;
  /** When the token stops working (ms since the epoch); null when the token does not say. */
  expiresAt: number | null;
  customerId: string;
}

/** An address a code can go to, as `POST /v1/customer-sessions/start` names it. */
export type SignInAddress = { email: string } | { phone: string };

/** Where a shop's session is kept on this device. */
export function sessionKey(slug: string): string {
  return `portal.${slug}.session`;
}

/** A sign-in step that was refused, with the reason as a catalog key. */
export class SignInError extends Error {
  constructor(readonly reason: MessageKey) {
    super(reason);
    this.name = 'SignInError';
  }
}

/** The session kept on this device for the shop: `expired` when it was kept but its token has run out. */
export function storedSession(slug: string, now = Date.now()): PortalSession | 'expired' | null {
  let kept: Partial<PortalSession> | null = null;
  try {
    const raw = localStorage.getItem(sessionKey(slug));
    kept = raw ? (JSON.parse(raw) as Partial<PortalSession>) : null;
  } catch {
    return null; // storage disabled or a value this page did not write
  }
  if (!kept || typeof kept.token !== 'string' || typeof kept.customerId !== 'string') return null;
  const expiresAt = typeof kept.expiresAt === 'number' ? kept.expiresAt : null;
  if (expiresAt !== null && expiresAt <= now) {
    forgetSession(slug);
    return 'expired';
  }
  return { token: kept.token, customerId: kept.customerId, expiresAt };
}

export function keepSession(slug: string, session: PortalSession): void {
  try {
    localStorage.setItem(sessionKey(slug), JSON.stringify(session));
  } catch {
    // storage disabled: the session lasts as long as the page
  }
}

export function forgetSession(slug: string): void {
  try {
    localStorage.removeItem(sessionKey(slug));
  } catch {
    // nothing was kept
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * What the customer typed as an address: an email address, or a phone number with its country code (spaces, dashes,
 * dots and brackets left out; a leading 00 read as +). Null when it is neither.
 */
export function readAddress(typed: string): SignInAddress | null {
  const text = typed.trim();
  if (text.includes('@')) return EMAIL.test(text) ? { email: text } : null;
  const phone = readPhone(text);
  return phone === null ? null : { phone };
}

/** A phone number as typed, in E.164, or null. */
export function readPhone(typed: string): string | null {
  const digits = typed.trim().replace(/[\s\-.()\u00a0]/g, '').replace(/^00/, '+');
  return E164.test(digits) ? digits : null;
}

/** Whether `typed` is an email address the API takes. */
export function isEmail(typed: string): boolean {
  return EMAIL.test(typed.trim());
}

async function post(path: string, body: unknown): Promise<Response> {
  try {
    return await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new SignInError('signin_offline');
  }
}

/**
 * Asks for a code to the address (`POST /v1/customer-sessions/start`). The answer is the same whether or not the
 * address is a customer's; only a refusal of the request itself (too many, bad input, no network) is an error.
 */
export async function sendCode(slug: string, address: SignInAddress): Promise<void> {
  const response = await post('/v1/customer-sessions/start', { tenant: slug, ...address });
  if (response.status === 429) throw new SignInError('busy');
  if (response.status === 400) throw new SignInError('signin_address_invalid');
  if (!response.ok) throw new SignInError('signin_failed');
}

/** Spends the code for a customer token (`POST /v1/customer-sessions`). */
export async function signInWithCode(slug: string, address: SignInAddress, code: string): Promise<PortalSession> {
  const response = await post('/v1/customer-sessions', { tenant: slug, ...address, code });
  if (response.status === 401 || response.status === 400) throw new SignInError('signin_code_refused');
  if (response.status === 429) throw new SignInError('busy');
  if (!response.ok) throw new SignInError('signin_failed');
  const answer = (await response.json()) as CustomerSessionAnswer;
  const expiresAt = Date.parse(answer.expires_at);
  return { token: answer.token, expiresAt: Number.isNaN(expiresAt) ? null : expiresAt, customerId: answer.customer_id };
}

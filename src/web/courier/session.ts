/**
 * The courier's session on this device (API.md "The courier app"): started from a one-time invite link or a pasted
 * courier token, kept in localStorage so the app opens signed in (also with no network) until sign-out, expiry or
 * deactivation (a 401 on any call).
 */
import type { MessageKey } from './i18n/en';
import type { CourierRecord, CourierSessionAnswer } from './wire';

export interface CourierSession {
  token: string;
  /** When the token stops working (ms since the epoch); null when the token does not say. */
  expiresAt: number | null;
  courierId: string;
  /** The courier's name from its record; its id when it has no record. */
  name: string;
}

const STORAGE_KEY = 'courier.session';

/** A sign-in that was refused, with the reason as a catalog key. */
export class SignInError extends Error {
  constructor(readonly reason: MessageKey) {
    super(reason);
    this.name = 'SignInError';
  }
}

/** The session kept on this device: `expired` when it was kept but its token has run out. */
export function storedSession(now = Date.now()): CourierSession | 'expired' | null {
  let kept: CourierSession | null = null;
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    kept = raw ? (JSON.parse(raw) as CourierSession) : null;
  } catch {
    return null; // storage disabled or a value this app did not write
  }
  if (!kept || typeof kept.token !== 'string' || typeof kept.courierId !== 'string') return null;
  if (kept.expiresAt !== null && kept.expiresAt <= now) {
    forgetSession();
    return 'expired';
  }
  return kept;
}

export function keepSession(session: CourierSession): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  } catch {
    // storage disabled: the session lasts as long as the page
  }
}

export function forgetSession(): void {
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing was kept
  }
}

/** The invite code in the page's fragment (`#invite=<code>`), if any. */
export function inviteInLocation(location: Location): string | null {
  const code = new URLSearchParams(location.hash.replace(/^#/, '')).get('invite');
  return code && code.trim() ? code.trim() : null;
}

/** Spends an invite code for a courier token (`POST /v1/courier-sessions`). */
export async function signInWithInvite(code: string): Promise<CourierSession> {
  let response: Response;
  try {
    response = await fetch('/v1/courier-sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ invite: code }),
    });
  } catch {
    throw new SignInError('signin_offline');
  }
  if (response.status === 401 || response.status === 400) throw new SignInError('signin_invite_refused');
  if (response.status === 429) throw new SignInError('signin_busy');
  if (!response.ok) throw new SignInError('signin_failed');
  const answer = (await response.json()) as CourierSessionAnswer;
  const expiresAt = Date.parse(answer.expires_at);
  return { token: answer.token, expiresAt: Number.isNaN(expiresAt) ? null : expiresAt, courierId: answer.courier.id, name: answer.courier.name };
}

interface Claims {
  role?: string;
  sub?: string;
  exp?: number;
}

/** What a JWT says of itself, unverified: only to word a refusal and know the expiry. The server decides. */
function peekClaims(token: string): Claims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const part = parts[1];
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(json) as unknown;
    return claims && typeof claims === 'object' ? (claims as Claims) : null;
  } catch {
    return null;
  }
}

/**
 * Signs in with a pasted courier token: checked by reading the courier's own orders (a route only couriers may
 * call), and named from the courier's record when it has one (API.md: the record is optional).
 */
export async function signInWithToken(rawToken: string): Promise<CourierSession> {
  const token = rawToken.trim();
  if (!token) throw new SignInError('signin_token_missing');
  const claims = peekClaims(token);
  if (!claims?.sub) throw new SignInError('signin_token_malformed');
  if (claims.role !== undefined && claims.role !== 'courier') throw new SignInError('signin_not_courier');
  const call = (path: string): Promise<Response> => fetch(path, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
  let checked: Response;
  try {
    checked = await call('/v1/couriers/me/orders');
  } catch {
    throw new SignInError('signin_offline');
  }
  if (checked.status === 401) throw new SignInError('signin_token_refused');
  if (checked.status === 403) throw new SignInError('signin_not_courier');
  if (!checked.ok) throw new SignInError('signin_failed');
  let name = claims.sub;
  try {
    const record = await call('/v1/couriers/me');
    if (record.ok) name = ((await record.json()) as CourierRecord).name;
  } catch {
    // the name is a nicety: the id serves
  }
  return { token, expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : null, courierId: claims.sub, name };
}

/**
 * Signing in to the dashboard: which tokens may (a tenant API key, a staff token), how that is checked with the
 * API, and where the token is kept (this tab's sessionStorage only: never localStorage, never a URL).
 */
import { Api, ApiError } from '../shared/api';
import { errorWords } from './format';

export type DashboardRole = 'business' | 'staff';

export interface Session {
  token: string;
  role: DashboardRole;
  /** The staff member's id (the token's subject); null for the tenant API key. */
  subject: string | null;
  /** When a staff token expires (ms since the epoch); null for API keys. */
  expiresAt: number | null;
}

const STORAGE_KEY = 'dashboard.token';

/** The token this tab signed in with, if any. */
export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the tab signs in each time
  }
}

/** Keeps the token for this tab (sessionStorage: gone when the tab closes). */
export function keepToken(token: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // storage disabled: the session lasts as long as the page
  }
}

/** Forgets the tab's token (sign-out, or a session that ended). */
export function forgetToken(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing was kept
  }
}

/** A sign-in that was refused, with the reason in words. */
export class SignInError extends Error {}

interface Claims {
  role?: string;
  sub?: string;
  exp?: number;
}

/**
 * The claims a JWT says it has, unverified: only for wording and the expiry display. The server decides what
 * the token may do.
 */
function peekClaims(token: string): Claims | null {
  const part = token.split('.')[1];
  if (!part || token.split('.').length !== 3) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(json) as unknown;
    return claims && typeof claims === 'object' ? (claims as Claims) : null;
  } catch {
    return null;
  }
}

const NOT_FOR_DASHBOARD: Record<string, string> = {
  customer: "This is a customer's token",
  courier: "This is a courier's token",
  tracker: "This is a tracking link's token",
};

function refusal(claims: Claims | null): SignInError {
  const what = (claims?.role && NOT_FOR_DASHBOARD[claims.role]) ?? 'This token belongs to someone who is not staff';
  return new SignInError(`${what}: it cannot sign in to the dashboard. Use the tenant API key or a staff token.`);
}

/**
 * Checks a token with the API and finds its role. The check calls a route that only business and staff may call
 * (the reports summary): a customer's, courier's or tracking link's token is refused there, a wrong one is not
 * accepted.
 */
export async function signIn(rawToken: string): Promise<Session> {
  const token = rawToken.trim();
  if (!token) throw new SignInError('Paste a tenant API key or a staff token.');
  if (/\s/.test(token)) throw new SignInError('That is not a token: tokens have no spaces.');
  const api = new Api(token);
  const claims = peekClaims(token);
  try {
    const to = new Date();
    const from = new Date(to.getTime() - 60_000);
    await api.get(`/v1/reports/summary?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`);
  } catch (error) {
    if (error instanceof ApiError) {
      if (error.status === 401) throw new SignInError('That token was not accepted: it is wrong, revoked or has expired.');
      if (error.status === 403) throw refusal(claims);
      throw new SignInError(errorWords(error));
    }
    throw new SignInError('The server cannot be reached. Check the connection and try again.');
  }
  const staff = claims?.role === 'staff';
  return {
    token,
    role: staff ? 'staff' : 'business',
    subject: staff ? (claims.sub ?? null) : null,
    expiresAt: staff && typeof claims.exp === 'number' ? claims.exp * 1000 : null,
  };
}

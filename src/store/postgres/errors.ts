import { UnavailableError } from '../../domain/errors';

/** SQLSTATE of a unique-constraint violation. */
export const UNIQUE_VIOLATION = '23505';

// SQLSTATEs that mean "the database cannot serve this now", not "this request is wrong": connection exceptions
// (class 08), the server shutting down or starting (57P01-57P03), too many connections, a crash-recovery restart.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '58000', '58030']);

/** The SQLSTATE of a server error, or undefined for anything else (a network error, a pool timeout). */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

// How the network and the pool report that the server is out of reach (node-postgres throws these as plain Errors).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const POOL_MESSAGES = /Connection terminated|Connection ended|timeout exceeded when trying to connect|not queryable|Query read timeout/;

/**
 * Whether a failure is the database being out of reach: the network or the pool saying so (refused, reset, timed
 * out, "Connection terminated"), or a server error that says it cannot serve now. A bug is not an outage.
 */
export function isUnavailable(error: unknown): boolean {
  const state = sqlState(error);
  if (state !== undefined) return state.startsWith('08') || UNAVAILABLE_STATES.has(state);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return error instanceof Error && POOL_MESSAGES.test(error.message);
}

/** Turns an outage into the typed error the API answers 503 with; anything else is passed on as it is. */
export function translate(error: unknown): unknown {
  return isUnavailable(error) ? new UnavailableError('database', 1, { cause: error }) : error;
}

import { UnavailableError, ValidationError } from '../../domain/errors';
import { NOT_TEXT_MESSAGE } from '../../domain/text';

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

// SQLSTATEs of text the database cannot hold: character_not_in_repertoire (a NUL in a text value) and
// untranslatable_character (a `\u0000` in a JSON value).
const NOT_TEXT_STATES = new Set(['22021', '22P05']);

/**
 * Turns an outage into the typed error the API answers 503 with, and text the database refuses into the 400 the API
 * answers it with; anything else is passed on as it is. Text is checked where it comes in (domain/text.ts): this is
 * the backstop for any way in that check misses, so that it is never a 500. The driver's message is dropped: it
 * quotes the value.
 */
export function translate(error: unknown): unknown {
  if (isUnavailable(error)) return new UnavailableError('database', 1, { cause: error });
  const state = sqlState(error);
  if (state !== undefined && NOT_TEXT_STATES.has(state)) {
    return new ValidationError('the request is not valid', [{ path: 'text', message: NOT_TEXT_MESSAGE }]);
  }
  return error;
}

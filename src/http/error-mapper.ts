import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { DomainError, type AnyDomainError } from '../domain/errors';
import { HttpError, type AnyHttpError } from './http-errors';

/** An error as it goes on the wire: status, `{ error: { code, message, details? } }` and headers. */
export interface WireError {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

/** Every typed error a request can end with, by its code. */
type MappedError = AnyDomainError | AnyHttpError;
type MappedCode = MappedError['code'];
type ErrorWithCode<C extends MappedCode> = Extract<MappedError, { code: C }>;

const plain = (status: number) => (error: MappedError): WireError => ({ status, code: error.code, message: error.message });

/**
 * API.md's status, headers and details for every error code. Keyed by code and checked by the compiler: a new
 * error class (it must join `AnyDomainError` or `AnyHttpError`) fails the build until it has a line here.
 */
const WIRE = {
  validation_failed: (error) => ({ status: 400, code: error.code, message: error.message, details: error.details }),
  invalid_json: plain(400),
  unauthorized: (error) => ({
    status: 401,
    code: error.code,
    message: error.message,
    headers: { 'WWW-Authenticate': 'Bearer' },
  }),
  forbidden: plain(403),
  not_found: plain(404),
  illegal_transition: (error) => ({
    status: 409,
    code: error.code,
    message: error.message,
    details: { from: error.from, to: error.to },
  }),
  idempotency_conflict: plain(409),
  limit_reached: (error) => ({
    status: 409,
    code: error.code,
    message: error.message,
    details: { limit: error.limit },
  }),
  webhook_disabled: plain(409),
  insufficient_points: (error) => ({
    status: 409,
    code: error.code,
    message: error.message,
    details: { balance: error.balance, requested: error.requested },
  }),
  payload_too_large: (error) => ({
    status: 413,
    code: error.code,
    message: error.message,
    ...(error.bodyLeftUnread ? { headers: { Connection: 'close' } } : {}),
  }),
  // RFC 9110 §15.5.16: `Accept` names the media types the route would have taken.
  unsupported_media_type: (error) => ({
    status: 415,
    code: error.code,
    message: error.message,
    headers: { Accept: error.accepted.join(', ') },
  }),
  // The RateLimit-* headers are already on the answer (set when the budget was consumed).
  rate_limited: (error) => ({
    status: 429,
    code: error.code,
    message: error.message,
    headers: { 'Retry-After': String(error.retryAfterSeconds) },
  }),
  unavailable: (error) => ({
    status: 503,
    code: error.code,
    message: error.message,
    headers: { 'Retry-After': String(error.retryAfterSeconds) },
  }),
} satisfies { [C in MappedCode]: (error: ErrorWithCode<C>) => WireError };

/** Maps a thrown error to API.md's status and code; null for anything untyped (the caller answers 500). */
export function toWireError(error: unknown): WireError | null {
  if (!(error instanceof DomainError || error instanceof HttpError)) return null;
  // Each class's code is a literal of its own, so the entry under `error.code` takes exactly this error's class;
  // the compiler cannot follow that correlation through the lookup, hence the widened signature.
  const map = WIRE[error.code] as (error: MappedError) => WireError;
  return map(error as MappedError);
}

/** The one place errors become responses: `{ error: { code, message, details? } }`. */
export function errorMapper(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        writeError(ctx, { status: 404, code: 'not_found', message: 'no such route' });
      } else if (ctx.status === 405 && ctx.body === undefined) {
        writeError(ctx, { status: 405, code: 'method_not_allowed', message: 'method not allowed on this route' });
      }
    } catch (error) {
      const wire = toWireError(error);
      if (wire) {
        writeError(ctx, wire);
        return;
      }
      logger.error({ err: error, method: ctx.method, path: ctx.path }, 'request failed');
      writeError(ctx, { status: 500, code: 'internal', message: 'internal error' });
    }
  };
}

function writeError(ctx: Context, wire: WireError): void {
  ctx.status = wire.status;
  for (const [name, value] of Object.entries(wire.headers ?? {})) ctx.set(name, value);
  ctx.body = {
    error: { code: wire.code, message: wire.message, ...(wire.details !== undefined ? { details: wire.details } : {}) },
  };
}

import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import {
  ForbiddenError,
  IdempotencyConflictError,
  IllegalTransitionError,
  InsufficientPointsError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../domain/errors';
import { InvalidJsonError, PayloadTooLargeError } from './http-errors';

interface WireError {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

/** Maps a thrown error to API.md's status and code. Unknown errors are 500 and say nothing of internals. */
export function toWireError(error: unknown): WireError | null {
  if (error instanceof ValidationError) {
    return { status: 400, code: error.code, message: error.message, details: error.details };
  }
  if (error instanceof InvalidJsonError) return { status: 400, code: error.code, message: error.message };
  if (error instanceof UnauthorizedError) {
    return { status: 401, code: error.code, message: error.message, headers: { 'WWW-Authenticate': 'Bearer' } };
  }
  if (error instanceof ForbiddenError) return { status: 403, code: error.code, message: error.message };
  if (error instanceof NotFoundError) return { status: 404, code: error.code, message: error.message };
  if (error instanceof IllegalTransitionError) {
    return { status: 409, code: error.code, message: error.message, details: { from: error.from, to: error.to } };
  }
  if (error instanceof IdempotencyConflictError) return { status: 409, code: error.code, message: error.message };
  if (error instanceof InsufficientPointsError) {
    return {
      status: 409,
      code: error.code,
      message: error.message,
      details: { balance: error.balance, requested: error.requested },
    };
  }
  if (error instanceof PayloadTooLargeError) return { status: 413, code: error.code, message: error.message };
  if (error instanceof RateLimitedError) {
    // The RateLimit-* headers are already on the answer (set when the budget was consumed).
    return {
      status: 429,
      code: error.code,
      message: error.message,
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof UnavailableError) {
    return {
      status: 503,
      code: error.code,
      message: error.message,
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    };
  }
  return null;
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

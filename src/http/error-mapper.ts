import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { answerFor, type ErrorAnswer } from '../domain/error-answers';
import { errorSummary } from '../error-summary';
import { HttpError, type AnyHttpError, type HttpErrorCode } from './http-errors';

/** An error as it goes on the wire: status, `{ error: { code, message, details? } }` and headers. */
export interface WireError {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

type ErrorWithCode<C extends HttpErrorCode> = Extract<AnyHttpError, { code: C }>;
type HttpWireTable = { [C in HttpErrorCode]: (error: ErrorWithCode<C>) => WireError };

/**
 * API.md's status, headers and details for the HTTP layer's own error codes (the domain's are in
 * `domain/error-answers.ts`, shared with the sockets). Checked by the compiler: a new class (it must join
 * `AnyHttpError`) fails the build until it has a line here.
 */
const HTTP_WIRE = {
  invalid_json: (error) => ({ status: 400, code: error.code, message: error.message }),
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
} satisfies HttpWireTable;

function httpWireError<C extends HttpErrorCode>(code: C, error: ErrorWithCode<C>): WireError {
  const table: HttpWireTable = HTTP_WIRE;
  return table[code](error);
}

/** Every `HttpError` is one of `AnyHttpError`: its abstract `code` admits only the codes of that union. */
function isHttpError(error: unknown): error is AnyHttpError {
  return error instanceof HttpError;
}

/**
 * A domain error's answer in HTTP: a 401 challenges for a bearer token (RFC 9110 wants `WWW-Authenticate` on
 * every 401), and a delay is `Retry-After` (the RateLimit-* headers of a 429 are already on the answer, set when
 * the budget was consumed).
 */
function fromAnswer(answer: ErrorAnswer): WireError {
  const headers = {
    ...(answer.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
    ...(answer.retryAfterSeconds !== undefined ? { 'Retry-After': String(answer.retryAfterSeconds) } : {}),
  };
  return {
    status: answer.status,
    code: answer.code,
    message: answer.message,
    ...(answer.details !== undefined ? { details: answer.details } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

/** Maps a thrown error to API.md's status and code; null for anything untyped (the caller answers 500). */
export function toWireError(error: unknown): WireError | null {
  if (isHttpError(error)) return httpWireError(error.code, error);
  const answer = answerFor(error);
  return answer ? fromAnswer(answer) : null;
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
      } else if (ctx.status === 501 && ctx.body === undefined) {
        // A method no route has (TRACE, CONNECT, a made-up one): the router's answer, with its `Allow`.
        writeError(ctx, { status: 501, code: 'not_implemented', message: `the method ${ctx.method} is not implemented` });
      }
    } catch (error) {
      const wire = toWireError(error);
      if (wire) {
        writeError(ctx, wire);
        return;
      }
      // One line, no stack and no message: those may quote the request's data (see error-summary.ts). The route's
      // pattern, not the path, which may hold an id a person typed.
      const route = (ctx.state.route as string | undefined) ?? 'unmatched';
      logger.error({ error: errorSummary(error), method: ctx.method, route }, 'request failed');
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

import { DomainError, type AnyDomainError, type DomainErrorCode, type RateLimitedError, type UnavailableError } from './errors';

/**
 * What API.md answers for a domain error, whatever carries it: the HTTP status of its code, the code, the message,
 * the details a client can act on and, for errors that pass, when to try again. HTTP writes all of it (the
 * delay as `Retry-After`); a socket acknowledgement carries the code and the message; a refused handshake says
 * the code and, when limited, the delay.
 */
export interface ErrorAnswer {
  status: number;
  code: DomainErrorCode;
  message: string;
  details?: unknown;
  /** Whole seconds after which the same call may succeed. */
  retryAfterSeconds?: number;
}

type ErrorWithCode<C extends DomainErrorCode> = Extract<AnyDomainError, { code: C }>;
type AnswerTable = { [C in DomainErrorCode]: (error: ErrorWithCode<C>) => ErrorAnswer };

/** An answer of the code and the message alone. */
const plain =
  (status: number) =>
  (error: AnyDomainError): ErrorAnswer => ({ status, code: error.code, message: error.message });

/** An answer with the details a client can act on. */
const detailed =
  <E extends AnyDomainError>(status: number, details: (error: E) => unknown) =>
  (error: E): ErrorAnswer => ({ status, code: error.code, message: error.message, details: details(error) });

/** An answer to an error that passes: the same call may succeed after `retryAfterSeconds`. */
const retryLater =
  (status: number) =>
  (error: RateLimitedError | UnavailableError): ErrorAnswer => ({
    status,
    code: error.code,
    message: error.message,
    retryAfterSeconds: error.retryAfterSeconds,
  });

/**
 * The answer of every domain error code. Keyed by code and checked by the compiler: a new error class (it must
 * join `AnyDomainError`) fails the build until it has a line here.
 */
const ANSWERS = {
  validation_failed: detailed(400, (error) => error.details),
  invalid_code: plain(400),
  proof_required: detailed(400, (error) => ({ missing: error.missing })),
  unsupported_media_type: plain(415),
  unauthorized: plain(401),
  forbidden: plain(403),
  not_found: plain(404),
  illegal_transition: detailed(409, (error) => ({ from: error.from, to: error.to })),
  idempotency_conflict: plain(409),
  limit_reached: detailed(409, (error) => ({ limit: error.limit })),
  webhook_disabled: plain(409),
  already_exists: plain(409),
  courier_inactive: plain(409),
  insufficient_points: detailed(409, (error) => ({ balance: error.balance, requested: error.requested })),
  rate_limited: retryLater(429),
  unavailable: retryLater(503),
} satisfies AnswerTable;

/** Every `DomainError` is one of `AnyDomainError`: its abstract `code` admits only the codes of that union. */
function isDomainError(error: unknown): error is AnyDomainError {
  return error instanceof DomainError;
}

/** The entry of `code`, given the error of exactly that code (the caller passes `error.code` with `error`). */
function answerWith<C extends DomainErrorCode>(code: C, error: ErrorWithCode<C>): ErrorAnswer {
  const table: AnswerTable = ANSWERS;
  return table[code](error);
}

/** API.md's answer for a domain error; null for anything else (the caller answers `internal` and logs it). */
export function answerFor(error: unknown): ErrorAnswer | null {
  return isDomainError(error) ? answerWith(error.code, error) : null;
}

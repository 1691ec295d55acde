/**
 * Typed domain errors. `error-answers.ts` gives each code its answer, which the HTTP error mapper and the socket
 * gateway put on the wire; nothing matches on message text.
 */
export abstract class DomainError extends Error {
  /** The wire code: one literal per class, so {@link DomainErrorCode} lists exactly the codes there are. */
  abstract readonly code: DomainErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface FieldIssue {
  path: string;
  message: string;
  code?: string;
}

export class ValidationError extends DomainError {
  readonly code = 'validation_failed';
  constructor(
    message: string,
    readonly details: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
  constructor(message = 'missing, invalid or expired credentials') {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
  constructor(message = 'this role may not do this') {
    super(message);
  }
}

/** Also used for things that exist but belong to someone else: existence is never revealed. */
export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  constructor(readonly resource: string) {
    super(`${resource} not found`);
  }
}

export class IllegalTransitionError extends DomainError {
  readonly code = 'illegal_transition';
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`cannot move an order from ${from} to ${to}`);
  }
}

/** A payment transaction matched by hand that names an order already (API.md "Payments": only unmatched ones are). */
export class TransactionMatchedError extends IllegalTransitionError {
  constructor() {
    super('matched', 'matched');
    this.message = 'the transaction names an order already; only an unmatched one can be matched';
  }
}

export class IdempotencyConflictError extends DomainError {
  readonly code = 'idempotency_conflict';
  constructor(message = 'this idempotency key was used with a different request') {
    super(message);
  }
}

export class InsufficientPointsError extends DomainError {
  readonly code = 'insufficient_points';
  constructor(
    readonly balance: number,
    readonly requested: number,
  ) {
    super(`balance ${balance} does not cover ${requested} points`);
  }
}

/** A dependency the request needs is down; the client should retry later. */
export class UnavailableError extends DomainError {
  readonly code = 'unavailable';
  constructor(
    readonly dependency: string,
    readonly retryAfterSeconds = 1,
    /** What went wrong underneath (kept for the logs; never shown to the client). */
    options?: ErrorOptions,
  ) {
    super(`${dependency} is unavailable`, options);
  }
}

/** The caller spent its request budget; it may try again after `retryAfterSeconds`. */
export class RateLimitedError extends DomainError {
  readonly code = 'rate_limited';
  constructor(readonly retryAfterSeconds: number) {
    super(`too many requests; retry in ${retryAfterSeconds} s`);
  }
}

/** A per-tenant (or per-courier) limit would be exceeded (e.g. the number of webhook endpoints, a courier's devices). */
export class LimitReachedError extends DomainError {
  readonly code = 'limit_reached';
  constructor(
    readonly what: string,
    readonly limit: number,
    per: 'tenant' | 'courier' | 'customer' | 'tracking link' = 'tenant',
  ) {
    super(`at most ${limit} ${what} per ${per}`);
  }
}

/**
 * The webhook endpoint is disabled: nothing is sent to it (enable it first). Also a payment provider's notification
 * URL while the provider is disabled: nothing is taken from it.
 */
export class WebhookDisabledError extends DomainError {
  readonly code = 'webhook_disabled';
  constructor(message = 'the webhook endpoint is disabled; enable it (PATCH enabled: true) first') {
    super(message);
  }
}

/** An id that exists already (e.g. a courier record's). */
export class AlreadyExistsError extends DomainError {
  readonly code = 'already_exists';
  constructor(readonly resource: string) {
    super(`a ${resource} with this id exists already`);
  }
}

/** Another tenant has the portal address asked for (API.md "Customer portal": `slug` is unique across tenants). */
export class SlugTakenError extends DomainError {
  readonly code = 'already_exists';
  constructor() {
    super('another tenant has this slug; choose another');
  }
}

/** The courier is inactive (API.md "Courier records"): no order may be assigned to it. */
export class CourierInactiveError extends DomainError {
  readonly code = 'courier_inactive';
  constructor() {
    super('the courier is inactive; make it active first');
  }
}

/**
 * A confirmation code that does not confirm: wrong, expired, used, replaced by a newer one, or past its tries. A 400,
 * not a 401: the caller's credentials are good (a 401 would tell a client to sign in again); the code is part of the
 * request, and the request is what is refused.
 */
export class InvalidCodeError extends DomainError {
  readonly code = 'invalid_code';
  constructor(message = 'the code is wrong, expired or used up; ask for a new one') {
    super(message);
  }
}

/** A delivery without the proof the tenant requires (`proof_required`): rejected (scans) or 400 (status posts). */
export class ProofRequiredError extends DomainError {
  readonly code = 'proof_required';
  constructor(readonly missing: readonly string[]) {
    super(`this delivery needs a proof with: ${missing.join(', ')}`);
  }
}

/** An upload whose bytes are not an image of the type it declares (API.md "Proof of delivery"): 415. */
export class NotThatImageError extends DomainError {
  readonly code = 'unsupported_media_type';
  constructor(readonly declared: string) {
    super(`the body is not an image of type ${declared}`);
  }
}

/**
 * Every concrete domain error. A new class joins this union (its code is refused otherwise), and the table of
 * answers in `error-answers.ts`, keyed by {@link DomainErrorCode}, then fails to compile until the code has one.
 */
export type AnyDomainError =
  | ValidationError
  | UnauthorizedError
  | ForbiddenError
  | NotFoundError
  | IllegalTransitionError
  | IdempotencyConflictError
  | InsufficientPointsError
  | UnavailableError
  | RateLimitedError
  | LimitReachedError
  | WebhookDisabledError
  | InvalidCodeError
  | AlreadyExistsError
  | SlugTakenError
  | CourierInactiveError
  | ProofRequiredError
  | NotThatImageError;

export type DomainErrorCode = AnyDomainError['code'];

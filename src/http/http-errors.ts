/** Errors of the HTTP layer itself (the domain's own live in src/domain/errors.ts). */
export abstract class HttpError extends Error {
  /** The wire code: one literal per class, so {@link HttpErrorCode} lists exactly the codes there are. */
  abstract readonly code: HttpErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidJsonError extends HttpError {
  readonly code = 'invalid_json';
  constructor(message = 'request body is not valid JSON', options?: ErrorOptions) {
    super(message, options);
  }
}

export class PayloadTooLargeError extends HttpError {
  readonly code = 'payload_too_large';
  constructor(
    readonly limitBytes: number,
    /**
     * The reader stopped at the limit and left the rest of the body on the connection: a keep-alive connection
     * would never reach the client's next request, so the answer closes it.
     */
    readonly bodyLeftUnread = false,
    /** What was exceeded, when it is not the byte limit (an import's line count). */
    message = `request body is larger than ${limitBytes} bytes`,
  ) {
    super(message);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  readonly code = 'unsupported_media_type';
  constructor(
    /** What the route reads, for the answer's `Accept` header. */
    readonly accepted: readonly string[],
  ) {
    super(`the request body must be sent as ${accepted[0] ?? 'another media type'}`);
  }
}

/** Every concrete HTTP-layer error; a new class joins this union, and the error mapper must then map its code. */
export type AnyHttpError = InvalidJsonError | PayloadTooLargeError | UnsupportedMediaTypeError;

export type HttpErrorCode = AnyHttpError['code'];

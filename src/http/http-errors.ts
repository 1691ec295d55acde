/** Errors of the HTTP layer itself (the domain's own live in src/domain/errors.ts). */
export class InvalidJsonError extends Error {
  readonly code = 'invalid_json';
  constructor(message = 'request body is not valid JSON') {
    super(message);
    this.name = 'InvalidJsonError';
  }
}

export class PayloadTooLargeError extends Error {
  readonly code = 'payload_too_large';
  constructor(readonly limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

import {
  ForbiddenError,
  IdempotencyConflictError,
  IllegalTransitionError,
  InsufficientPointsError,
  LimitReachedError,
  NotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
  WebhookDisabledError,
} from '../../src/domain/errors';
import { toWireError } from '../../src/http/error-mapper';
import { InvalidJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../src/http/http-errors';

describe('the error mapper', () => {
  it.each<[Error, object]>([
    [
      new ValidationError('bad', [{ path: 'x', message: 'required' }]),
      { status: 400, code: 'validation_failed', message: 'bad', details: [{ path: 'x', message: 'required' }] },
    ],
    [new InvalidJsonError(), { status: 400, code: 'invalid_json', message: 'request body is not valid JSON' }],
    [
      new UnauthorizedError(),
      { status: 401, code: 'unauthorized', message: expect.any(String), headers: { 'WWW-Authenticate': 'Bearer' } },
    ],
    [new ForbiddenError(), { status: 403, code: 'forbidden', message: expect.any(String) }],
    [new NotFoundError('order'), { status: 404, code: 'not_found', message: 'order not found' }],
    [
      new IllegalTransitionError('delivered', 'placed'),
      { status: 409, code: 'illegal_transition', message: expect.any(String), details: { from: 'delivered', to: 'placed' } },
    ],
    [new IdempotencyConflictError(), { status: 409, code: 'idempotency_conflict', message: expect.any(String) }],
    [
      new InsufficientPointsError(5, 10),
      { status: 409, code: 'insufficient_points', message: expect.any(String), details: { balance: 5, requested: 10 } },
    ],
    [
      new LimitReachedError('webhook endpoints', 20),
      { status: 409, code: 'limit_reached', message: 'at most 20 webhook endpoints per tenant', details: { limit: 20 } },
    ],
    [new WebhookDisabledError(), { status: 409, code: 'webhook_disabled', message: expect.any(String) }],
    [new PayloadTooLargeError(1024), { status: 413, code: 'payload_too_large', message: expect.any(String) }],
    [
      new PayloadTooLargeError(1024, true),
      { status: 413, code: 'payload_too_large', message: expect.any(String), headers: { Connection: 'close' } },
    ],
    [
      new UnsupportedMediaTypeError(['application/x-ndjson']),
      {
        status: 415,
        code: 'unsupported_media_type',
        message: 'the request body must be sent as application/x-ndjson',
        headers: { Accept: 'application/x-ndjson' },
      },
    ],
    [new RateLimitedError(7), { status: 429, code: 'rate_limited', message: expect.any(String), headers: { 'Retry-After': '7' } }],
    [
      new UnavailableError('store', 2),
      { status: 503, code: 'unavailable', message: 'store is unavailable', headers: { 'Retry-After': '2' } },
    ],
  ])('maps %p', (error, wire) => {
    expect(toWireError(error)).toEqual(wire);
  });

  it('leaves untyped errors to the caller (a 500 that says nothing)', () => {
    expect(toWireError(new Error('driver exploded'))).toBeNull();
    expect(toWireError('a string')).toBeNull();
    expect(toWireError(Object.assign(new Error('x'), { code: 'not_found' }))).toBeNull();
  });
});

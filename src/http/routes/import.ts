import { createHash } from 'node:crypto';
import { ValidationError } from '../../domain/errors';
import { NOT_TEXT_MESSAGE } from '../../domain/text';
import type { ImportError, ImportLine } from '../../services/import-service';
import { BODY_LIMIT_BYTES, parseJson } from '../body';
import type { HttpDeps } from '../deps';
import { InvalidJsonError, PayloadTooLargeError } from '../http-errors';
import { IMPORT_MAX_BYTES, IMPORT_MAX_LINES, importResultsResponse } from '../import-schemas';
import { readNdjsonLines, type NdjsonLine } from '../ndjson';
import { route, type Route } from '../route';
import { placeOrderBody } from '../schemas';

/** Bulk import: NDJSON, one `POST /v1/orders` body per line. */
export function importRoutes({ imports }: HttpDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/orders/import',
      operationId: 'importOrders',
      summary:
        'Place up to 10,000 orders (20 MiB) from NDJSON, one POST /v1/orders body per line; one result per line, in order: ' +
        'created, existing (a repeated external_id) or rejected with its error (invalid_json, validation_failed, ' +
        'payload_too_large for a line over 1 MiB, idempotency_conflict, unavailable), the others still go in. ' +
        'Over a limit: 413 and nothing is imported. With an Idempotency-Key header each line is placed under a key of its ' +
        'own (the header and the line number), so the same file sent again under the same key answers existing for every ' +
        'line it created (without one, only lines with an external_id are recognised)',
      roles: ['business'],
      rawBody: {
        mediaType: 'application/x-ndjson',
        schema: placeOrderBody,
        description:
          'One JSON object per line, each the body of POST /v1/orders (the schema below is one line). Blank lines are skipped; ' +
          'CRLF line ends are fine. Read line by line as it arrives; the lines are placed once the body has ended within the limits.',
      },
      requestHeaders: {
        'Idempotency-Key': { description: 'at most 200 characters: each line is placed under this key and its line number' },
      },
      status: 200,
      response: importResultsResponse,
      errors: [413],
      handler: async ({ ctx, principal }) => {
        const key = ctx.get('idempotency-key');
        if (key.length > 200) {
          throw new ValidationError('the request is not valid', [{ path: 'Idempotency-Key', message: 'must be at most 200 characters' }]);
        }
        const lines: ImportLine[] = [];
        // Every line is checked as it arrives; none is placed before the body has ended within the limits, so a 413
        // (too many lines, too many bytes) leaves nothing of the request imported.
        await readNdjsonLines(ctx.req, { maxBytes: IMPORT_MAX_BYTES, maxLines: IMPORT_MAX_LINES, maxLineBytes: BODY_LIMIT_BYTES }, (line) =>
          lines.push(checkLine(line)),
        );
        return { body: { results: await imports.importOrders(principal, lines, key === '' ? null : key) } };
      },
    }),
  ];
}

/**
 * One line parsed and validated as `POST /v1/orders` would its body, or what is wrong with it (field paths relative
 * to the line's object, '' for the object itself).
 */
function checkLine(line: NdjsonLine): ImportLine {
  if ('notUtf8' in line) {
    return { line: line.line, error: asLineError(new ValidationError('the line is not valid', [{ path: '', message: NOT_TEXT_MESSAGE }])) };
  }
  if (!('text' in line)) {
    const tooLarge = new PayloadTooLargeError(BODY_LIMIT_BYTES, false, `the line is larger than ${BODY_LIMIT_BYTES} bytes`);
    return { line: line.line, error: asLineError(tooLarge) };
  }
  let value: unknown;
  try {
    value = parseJson(line.text);
  } catch (error) {
    if (error instanceof InvalidJsonError || error instanceof ValidationError) return { line: line.line, error: asLineError(error) };
    throw error;
  }
  const checked = placeOrderBody.safeParse(value);
  // Hashed as sent: the same file again gives the same hashes, a changed line another one (idempotency_conflict).
  if (checked.success) return { line: line.line, input: checked.data, requestHash: createHash('sha256').update(line.text).digest('hex') };
  const invalid = new ValidationError(
    'the line is not a valid order',
    checked.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message, code: issue.code })),
  );
  return { line: line.line, error: asLineError(invalid) };
}

function asLineError(error: InvalidJsonError | ValidationError | PayloadTooLargeError): ImportError {
  return { code: error.code, message: error.message, ...(error instanceof ValidationError ? { details: error.details } : {}) };
}

import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { InvalidJsonError, PayloadTooLargeError } from './http-errors';

/** API.md: bodies over 1 MiB are refused with 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Reads and parses a JSON body; an empty body is `undefined`. */
export async function readJson(ctx: Context): Promise<unknown> {
  const declared = Number(ctx.request.length);
  if (Number.isFinite(declared) && declared > BODY_LIMIT_BYTES) throw new PayloadTooLargeError(BODY_LIMIT_BYTES);
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit: BODY_LIMIT_BYTES, encoding: 'utf8' });
  } catch (error) {
    if ((error as { type?: string }).type === 'entity.too.large') throw new PayloadTooLargeError(BODY_LIMIT_BYTES);
    throw new InvalidJsonError('request body could not be read');
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidJsonError();
  }
}

import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { ValidationError, type FieldIssue } from '../domain/errors';
import { decodeUtf8, isText, NOT_TEXT_MESSAGE } from '../domain/text';
import { InvalidJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from './http-errors';

/** API.md: bodies over 1 MiB are refused with 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Deepest nesting any body may have. API.md's deepest field (`metadata`, 32 levels) sits well inside it; past
 * it a body is hostile, and refusing it here keeps every recursive consumer after the reader (zod, hashing,
 * the store's JSON.stringify) far from the stack limit.
 */
export const BODY_MAX_DEPTH = 64;

/** The media types a JSON body may be sent as: `application/json`, or a `+json` type built on it. */
export const JSON_MEDIA_TYPES: readonly string[] = ['application/json', 'application/*+json'];

/**
 * Refuses a body sent as another media type than the route reads (API.md: 415). A request without content (no
 * body, or an empty one) is left to the route, which answers it as it answers an empty body.
 * @throws UnsupportedMediaTypeError
 */
export function requireMediaType(ctx: Context, accepted: readonly string[]): void {
  const declaredLength = ctx.get('content-length');
  const hasContent = ctx.get('transfer-encoding') !== '' || (declaredLength !== '' && Number(declaredLength) !== 0);
  if (hasContent && !ctx.is([...accepted])) throw new UnsupportedMediaTypeError(accepted);
}

/**
 * Reads and parses a JSON body; an empty body is `undefined`.
 * @throws PayloadTooLargeError, InvalidJsonError, or ValidationError for a body that is not UTF-8, too deep, with a
 *   `__proto__` key, or with a string or key that is not text
 */
export async function readJson(ctx: Context): Promise<unknown> {
  const text = await readText(ctx);
  return text.trim() === '' ? undefined : parseJson(text);
}

/**
 * Reads a body's bytes, up to `limitBytes` (a route that takes more than JSON bodies may: attachments).
 * @throws PayloadTooLargeError, InvalidJsonError when the body cannot be read
 */
export async function readBytes(ctx: Context, limitBytes: number): Promise<Buffer> {
  const declared = Number(ctx.request.length);
  if (Number.isFinite(declared) && declared > limitBytes) throw new PayloadTooLargeError(limitBytes);
  try {
    return await getRawBody(ctx.req, { limit: limitBytes });
  } catch (error) {
    if ((error as { type?: string }).type === 'entity.too.large') throw new PayloadTooLargeError(limitBytes, true);
    throw new InvalidJsonError('request body could not be read', { cause: error });
  }
}

/**
 * Reads a body as text, up to {@link BODY_LIMIT_BYTES}: for a route that must check the bytes before it parses
 * them (a signed body). A leading byte-order mark is dropped.
 * @throws PayloadTooLargeError, InvalidJsonError when the body cannot be read, or ValidationError when its bytes
 *   are not UTF-8 (refused, never replaced: two ids differing only there would become one)
 */
export async function readText(ctx: Context): Promise<string> {
  const declared = Number(ctx.request.length);
  if (Number.isFinite(declared) && declared > BODY_LIMIT_BYTES) throw new PayloadTooLargeError(BODY_LIMIT_BYTES);
  let bytes: Buffer;
  try {
    bytes = await getRawBody(ctx.req, { limit: BODY_LIMIT_BYTES });
  } catch (error) {
    if ((error as { type?: string }).type === 'entity.too.large') {
      // raw-body stops reading at the limit and leaves the rest of a streamed body unread (the answer closes the
      // connection, see PayloadTooLargeError).
      throw new PayloadTooLargeError(BODY_LIMIT_BYTES, true);
    }
    throw new InvalidJsonError('request body could not be read', { cause: error });
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) throw new ValidationError('the request body is not valid', [{ path: 'body', message: NOT_TEXT_MESSAGE }]);
  return text;
}

/**
 * Parses one JSON text with the checks every body gets (nesting, `__proto__` keys, text).
 * @throws InvalidJsonError, or ValidationError for a value too deep, with a `__proto__` key, or with a string or key
 *   that is not text (a NUL or a lone surrogate, both of which JSON's `\u` escapes can spell)
 */
export function parseJson(text: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new InvalidJsonError(undefined, { cause: error });
  }
  // A text that is itself text (as one decoded from UTF-8 is) spells a NUL or a lone surrogate only with a `\u`
  // escape (JSON takes no raw control character inside a string): without one, every string and key is text.
  const issue = shapeIssue(body, text.includes('\\u') || !isText(text));
  if (issue) throw new ValidationError('the request body is not valid', [issue]);
  return body;
}

/** Whether a JSON value nests more than `maxDepth` arrays/objects (the value itself is level 1). Iterative. */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  return walkJson(value, (_node, depth) => depth > maxDepth || undefined) ?? false;
}

/**
 * What makes a parsed body unacceptable whatever the route: nesting past {@link BODY_MAX_DEPTH}, an own
 * `__proto__` key (JSON.parse makes it a plain key, but any later copy into an object turns it into the
 * prototype and drops the data silently), or a string or key that is not text (see domain/text.ts). `escapes`:
 * whether the JSON text had a `\u` escape (without one, no string or key can fail to be text).
 */
function shapeIssue(body: unknown, escapes = true): FieldIssue | null {
  if (typeof body === 'string') return !escapes || isText(body) ? null : { path: 'body', message: NOT_TEXT_MESSAGE };
  return (
    walkJson(body, (node, depth, path): FieldIssue | undefined => {
      if (depth > BODY_MAX_DEPTH) {
        // The top-level field is what a client can act on; the full path would be 64 segments long.
        return { path: path()[0] ?? 'body', message: `must not be nested more than ${BODY_MAX_DEPTH} levels deep` };
      }
      if (!Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, '__proto__')) {
        return { path: [...path(), '__proto__'].join('.'), message: 'a __proto__ key is not allowed' };
      }
      return escapes ? textIssue(node, path) : undefined;
    }) ?? null
  );
}

/**
 * The first key or string value of one array or object that is not text: a bad value is named by its own path, a
 * bad key by its object's (the key itself cannot be shown).
 */
function textIssue(node: object, path: () => string[]): FieldIssue | undefined {
  for (const [key, value] of Object.entries(node)) {
    if (!isText(key)) return { path: path().join('.') || 'body', message: `its keys ${NOT_TEXT_MESSAGE}` };
    if (typeof value === 'string' && !isText(value)) return { path: [...path(), key].join('.'), message: NOT_TEXT_MESSAGE };
  }
  return undefined;
}

interface Frame {
  node: object;
  depth: number;
  key: string;
  parent: Frame | null;
}

/**
 * Visits every array and object in a JSON value, depth first in document order, with its depth (the value
 * itself is 1) and a lazy path of keys; stops at the first visit that returns something. An explicit stack,
 * not recursion: the value may be hostile.
 */
function walkJson<T>(value: unknown, visit: (node: object, depth: number, path: () => string[]) => T | undefined): T | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const stack: Frame[] = [{ node: value, depth: 1, key: '', parent: null }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const current = frame;
    const found = visit(current.node, current.depth, () => pathOf(current));
    if (found !== undefined) return found;
    // Pushed last to first, so the first child is visited first.
    for (const [key, child] of Object.entries(current.node).reverse()) {
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: current.depth + 1, key, parent: current });
    }
  }
  return undefined;
}

function pathOf(frame: Frame): string[] {
  const keys: string[] = [];
  for (let at: Frame | null = frame; at?.parent; at = at.parent) keys.push(at.key);
  return keys.reverse();
}

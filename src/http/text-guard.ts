import type { Context, Next } from 'koa';
import { ValidationError, type FieldIssue } from '../domain/errors';
import { isText, NOT_TEXT_MESSAGE } from '../domain/text';
import type { RateLimit } from './rate-limit';

/**
 * Refuses a request whose path or query is not text once percent-decoded (API.md "Limits (more)"): an escape that
 * is not one (`%zz`), bytes that are not UTF-8 (`%FF`, an encoded surrogate `%ED%A0%80`: decodeURIComponent throws
 * on both, where the router and the query parser would pass the raw text on or put U+FFFD in its place), or a NUL
 * (`%00`, which PostgreSQL refuses). Node's HTTP parser already refuses raw bytes outside printable ASCII in the
 * request target, so the escapes are the only way in.
 *
 * It runs before any route, so before the caller is known: a refusal spends the client address's anonymous budget,
 * as a bad token does, and a flood of bad paths is answered 429 like a flood of 401s.
 * @throws ValidationError naming `path`, the query parameter, or `query` when the name itself is at fault;
 *   RateLimitedError once the address's budget is spent
 */
export function textGuard(rateLimit: Pick<RateLimit, 'admit'>) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const issue = pathIssue(ctx.path) ?? queryIssue(ctx.querystring);
    if (issue) {
      await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
      throw new ValidationError('the request is not valid', [issue]);
    }
    await next();
  };
}

/** The raw path's issue, if it is not text once decoded. */
function pathIssue(path: string): FieldIssue | undefined {
  if (!path.includes('%')) return undefined;
  return decodedText(path) === undefined ? { path: 'path', message: NOT_TEXT_MESSAGE } : undefined;
}

/** The raw query's first issue: `a=b&c` pairs, `+` a space, as the query parser reads them. */
function queryIssue(query: string): FieldIssue | undefined {
  if (!query.includes('%')) return undefined;
  for (const pair of query.split('&')) {
    const at = pair.indexOf('=');
    const name = decodedText(at === -1 ? pair : pair.slice(0, at));
    if (name === undefined) return { path: 'query', message: `its parameter names ${NOT_TEXT_MESSAGE}` };
    if (at !== -1 && decodedText(pair.slice(at + 1)) === undefined) return { path: name, message: NOT_TEXT_MESSAGE };
  }
  return undefined;
}

/** A percent-encoded part as text; `undefined` when it does not decode or is not text. */
function decodedText(encoded: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encoded.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
  return isText(decoded) ? decoded : undefined;
}

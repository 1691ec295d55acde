import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Context, Middleware, Next } from 'koa';
import compress from 'koa-compress';

export interface CompressionOptions {
  /**
   * Answers smaller than this many bytes are sent as they are: below about one packet, compressing costs the node CPU
   * and saves the client nothing it would notice.
   * @defaultValue 1024
   */
  threshold?: number;
}

/** JSON media types: `application/json` and `application/<something>+json` (not NDJSON, `application/x-ndjson`). */
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

/**
 * Compresses the API's JSON answers of at least `threshold` bytes, in the encoding the client's `Accept-Encoding`
 * prefers (brotli, gzip or deflate), and says `Vary: Accept-Encoding` on every answer. Nothing else is touched:
 * streamed answers (NDJSON, CSV exports: a stream cut short by an error must reach the client cut short), images
 * and PDFs (compressed already) and `/metrics` go out as they are.
 */
export function compressJson({ threshold = 1024 }: CompressionOptions = {}): Middleware {
  const squeeze = compress({
    threshold,
    filter: (type: string) => JSON_TYPE.test(type),
    // Fast settings: an answer is compressed on every request, so its CPU counts per request.
    br: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
    gzip: { level: 5 },
  });
  return (ctx: Context, next: Next) =>
    squeeze(ctx, async () => {
      await next();
      const body: unknown = ctx.body;
      if (body instanceof Readable) {
        ctx.compress = false;
      } else if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body) && JSON_TYPE.test(ctx.response.type)) {
        // Serialised here, once, as Koa would when sending it: its length decides, and it is what is compressed.
        ctx.body = JSON.stringify(body);
      }
    });
}

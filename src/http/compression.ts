import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Context, Middleware, Next } from 'koa';
import compress from 'koa-compress';

export interface CompressionOptions {
  /**
   * Answers smaller than this many bytes are sent as they are. Compressing one costs the node some 0.1-0.3 ms of CPU
   * whatever its size (the compressor's state is set up for each answer), several times what Koa spends on a whole
   * request; an order, a status change's answer or a scan's (1-2 KiB) would save the client one packet at most, and
   * an answer this small reaches it in the first round trip anyway (TCP's initial window is about 14 KB). Lists,
   * exports of JSON and the API's description are what it pays for: those shrink tenfold.
   * @defaultValue 8192
   */
  threshold?: number;
}

/** JSON media types: `application/json` and `application/<something>+json` (not NDJSON, `application/x-ndjson`). */
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

/**
 * Compresses the API's JSON answers of `threshold` bytes or more, in the encoding the client's `Accept-Encoding`
 * prefers (brotli, gzip or deflate), and says `Vary: Accept-Encoding` on every answer. Nothing else is touched:
 * streamed answers (NDJSON, CSV exports: a stream cut short by an error must reach the client cut short), images
 * and PDFs (compressed already) and `/metrics` go out as they are.
 */
export function compressJson({ threshold = 8192 }: CompressionOptions = {}): Middleware {
  const squeeze = compress({
    threshold,
    filter: (type: string) => JSON_TYPE.test(type),
    // Brotli's quality 4 of 11: about gzip's speed, a tenth smaller (its best qualities are for files built once).
    br: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } },
  });
  return (ctx: Context, next: Next) =>
    squeeze(ctx, async () => {
      await next();
      const body: unknown = ctx.body;
      if (body instanceof Readable) {
        ctx.compress = false;
      } else if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body) && JSON_TYPE.test(ctx.response.type)) {
        // Serialised here, once, as Koa would when sending it: its length decides, and it is what is compressed.
        const text = JSON.stringify(body);
        ctx.body = text;
        // Under the threshold whatever its characters (at most 3 bytes each): sent as it is, without the compressor
        // reading the answer's headers back to decide so (most answers: an order, a status change's answer).
        if (text.length * 3 < threshold) ctx.compress = false;
      }
    });
}

import type { IncomingMessage } from 'node:http';
import { decodeUtf8 } from '../domain/text';
import { InvalidJsonError, PayloadTooLargeError } from './http-errors';

export interface NdjsonLimits {
  /** Bytes of the whole body. */
  maxBytes: number;
  /** Lines holding something (blank lines do not count). */
  maxLines: number;
  /** Bytes of one line; a longer line is handed on as `tooLong`, without its text (never held in memory). */
  maxLineBytes: number;
}

/**
 * One non-blank line: its 1-based number in the body (blank lines counted) and its text, or that it was too long, or
 * that its bytes are not UTF-8 (refused, never replaced: two lines differing only there would become one).
 */
export type NdjsonLine = { line: number; text: string } | { line: number; tooLong: true } | { line: number; notUtf8: true };

const NEWLINE = 0x0a;
const BOM = '\uFEFF';

/**
 * Reads a newline-delimited body as it arrives, splitting it into lines on the bytes (a `\n` byte never occurs
 * inside a UTF-8 sequence) and handing each line to `onLine` at once: at most one line is buffered, and the body
 * never becomes one string. A trailing `\r` is dropped (CRLF files), as is a byte-order mark before the first line.
 * Past a limit it stops reading, leaving the rest of the body unread (the 413 answer closes the connection).
 * @throws PayloadTooLargeError past `maxBytes` or `maxLines`; InvalidJsonError when the body cannot be read (the
 *   client went away)
 */
export function readNdjsonLines(request: IncomingMessage, limits: NdjsonLimits, onLine: (line: NdjsonLine) => void): Promise<void> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    return Promise.reject(new PayloadTooLargeError(limits.maxBytes, true));
  }
  return new Promise<void>((resolve, reject) => {
    let bytes = 0;
    let physicalLine = 0;
    let lines = 0;
    let parts: Buffer[] = [];
    let partBytes = 0;
    let tooLong = false;

    const finish = (error?: Error): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      if (!error) {
        resolve();
        return;
      }
      // Stop reading: the answer says `Connection: close`, and what is left of the body goes with the connection.
      request.pause();
      reject(error);
    };

    /** Ends the current line; false when it was one line too many. */
    const endLine = (): boolean => {
      physicalLine += 1;
      const wasTooLong = tooLong;
      const buffered = parts;
      parts = [];
      partBytes = 0;
      tooLong = false;
      if (wasTooLong) {
        lines += 1;
        if (lines > limits.maxLines) return false;
        onLine({ line: physicalLine, tooLong: true });
        return true;
      }
      // The byte-order mark is kept by the decoder and dropped here, before the first line only.
      let text = decodeUtf8(Buffer.concat(buffered), true);
      if (text === undefined) {
        lines += 1;
        if (lines > limits.maxLines) return false;
        onLine({ line: physicalLine, notUtf8: true });
        return true;
      }
      if (physicalLine === 1 && text.startsWith(BOM)) text = text.slice(1);
      if (text.endsWith('\r')) text = text.slice(0, -1);
      if (text.trim() === '') return true;
      lines += 1;
      if (lines > limits.maxLines) return false;
      onLine({ line: physicalLine, text });
      return true;
    };

    const tooManyLines = (): PayloadTooLargeError =>
      new PayloadTooLargeError(limits.maxBytes, true, `the body holds more than ${limits.maxLines} lines`);

    const append = (piece: Buffer): void => {
      if (tooLong || piece.length === 0) return;
      partBytes += piece.length;
      if (partBytes > limits.maxLineBytes) {
        tooLong = true;
        parts = [];
        return;
      }
      parts.push(piece);
    };

    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) {
        finish(new PayloadTooLargeError(limits.maxBytes, true));
        return;
      }
      let start = 0;
      for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, start)) {
        append(chunk.subarray(start, at));
        start = at + 1;
        if (!endLine()) {
          finish(tooManyLines());
          return;
        }
      }
      append(chunk.subarray(start));
    };
    const onEnd = (): void => {
      // The last line has no newline after it (or is the empty rest after the final one).
      if (partBytes > 0 || tooLong) {
        if (!endLine()) {
          finish(tooManyLines());
          return;
        }
      }
      finish();
    };
    const onError = (error: Error): void => finish(new InvalidJsonError('request body could not be read', { cause: error }));
    // Closed before its end: the client went away mid-body.
    const onClose = (): void => {
      if (!request.complete) finish(new InvalidJsonError('request body could not be read: the connection closed'));
    };

    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

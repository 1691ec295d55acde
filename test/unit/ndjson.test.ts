import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { PayloadTooLargeError } from '../../src/http/http-errors';
import { readNdjsonLines, type NdjsonLimits, type NdjsonLine } from '../../src/http/ndjson';

const LIMITS: NdjsonLimits = { maxBytes: 1000, maxLines: 10, maxLineBytes: 20 };

/** A request whose body arrives in the given chunks. */
function requestOf(chunks: Buffer[], headers: Record<string, string> = {}): IncomingMessage {
  const stream = Object.assign(new PassThrough(), { headers, complete: false });
  stream.on('end', () => (stream.complete = true));
  setImmediate(() => {
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
  return stream as unknown as IncomingMessage;
}

async function linesOf(chunks: Buffer[], limits: NdjsonLimits = LIMITS): Promise<NdjsonLine[]> {
  const lines: NdjsonLine[] = [];
  await readNdjsonLines(requestOf(chunks), limits, (line) => lines.push(line));
  return lines;
}

describe('readNdjsonLines', () => {
  const body = Buffer.from('\uFEFF{"a":1}\r\n\n  \n{"b":"é€"}\n{"c":3}', 'utf8');
  const expected: NdjsonLine[] = [
    { line: 1, text: '{"a":1}' },
    { line: 4, text: '{"b":"é€"}' },
    { line: 5, text: '{"c":3}' },
  ];

  it('splits lines at every chunk boundary alike, multi-byte characters included; BOM, CR and blank lines dropped', async () => {
    for (let cut = 0; cut <= body.length; cut++) {
      expect(await linesOf([body.subarray(0, cut), body.subarray(cut)])).toEqual(expected);
    }
    expect(await linesOf([...body].map((byte) => Buffer.from([byte])))).toEqual(expected);
  });

  it('hands on a line past maxLineBytes as tooLong, without its text, and carries on', async () => {
    const lines = await linesOf([Buffer.from(`{"short":1}\n{"long":"${'x'.repeat(30)}"}\n{"after":1}\n`)]);
    expect(lines).toEqual([{ line: 1, text: '{"short":1}' }, { line: 2, tooLong: true }, { line: 3, text: '{"after":1}' }]);
  });

  it('refuses more than maxLines lines (blank ones not counted) and more than maxBytes bytes', async () => {
    const lines = Array.from({ length: 11 }, (_, index) => `{"n":${index}}`).join('\n\n');
    await expect(linesOf([Buffer.from(lines)])).rejects.toMatchObject({ code: 'payload_too_large', bodyLeftUnread: true, message: expect.stringMatching(/10 lines/) });
    await expect(linesOf([Buffer.from(lines.split('\n\n').slice(0, 10).join('\n\n'))])).resolves.toHaveLength(10);
    await expect(linesOf([Buffer.alloc(600, 0x20), Buffer.alloc(600, 0x20)])).rejects.toBeInstanceOf(PayloadTooLargeError);
  });

  it('refuses a declared Content-Length over maxBytes before reading anything', async () => {
    const onLine = jest.fn();
    await expect(readNdjsonLines(requestOf([Buffer.from('{}')], { 'content-length': '1001' }), LIMITS, onLine)).rejects.toMatchObject({
      code: 'payload_too_large',
      bodyLeftUnread: true,
    });
    expect(onLine).not.toHaveBeenCalled();
  });
});

/**
 * No personal data in a log line (issue 22): whatever error is logged, the logger writes its type, code, frames and
 * only our own messages, never a driver's message, `detail` or `where`, a provider's answer, or a cause's data.
 */
import net from 'node:net';
import pg from 'pg';
import { DependencyDownError } from '../../src/dependency-state';
import { NotFoundError, UnavailableError, ValidationError } from '../../src/domain/errors';
import { errorSummary } from '../../src/error-summary';
import { createLogger } from '../../src/logger';
import { PermanentDeliveryError } from '../../src/notifiers/delivery-errors';
import { freshSchema, POSTGRES_URL } from '../support/postgres';

const NAME = 'Ada Lovelace';
const EMAIL = 'ada.lovelace@example.com';

/** The real logger, writing to a list of lines. */
function recordingLogger() {
  const lines: string[] = [];
  const logger = createLogger('debug', false, { write: (line: string) => void lines.push(line) });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, any>) };
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('what the logger writes of an error', () => {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  const schema = freshSchema('logp');
  let unique: Error;
  let badInteger: Error;
  let nul: Error;
  let division: Error;

  beforeAll(async () => {
    await client.connect();
    // As a server may be set: errors then name the statement's parameters in `where`.
    await client.query('SET log_parameter_max_length_on_error = -1');
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.customers (name text UNIQUE, points integer)`);
    await client.query(`INSERT INTO ${schema}.customers (name) VALUES ($1)`, [NAME]);
    unique = await rejection(client.query(`INSERT INTO ${schema}.customers (name) VALUES ($1)`, [NAME]));
    badInteger = await rejection(client.query(`INSERT INTO ${schema}.customers (points) VALUES ($1)`, [NAME]));
    nul = await rejection(client.query(`INSERT INTO ${schema}.customers (name) VALUES ($1)`, [`${NAME}\u0000`]));
    division = await rejection(client.query(`INSERT INTO ${schema}.customers (name, points) VALUES ($1, length($1) / 0)`, [NAME]));
  });

  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('the PostgreSQL errors quote the data (what this test guards against)', () => {
    expect((unique as pg.DatabaseError).detail).toContain(NAME);
    expect(badInteger.message).toContain(NAME);
    expect(nul).toMatchObject({ code: '22021' });
    expect((division as pg.DatabaseError).where).toContain(NAME);
  });

  it.each([
    ['a unique violation', () => unique, '23505'],
    ['an invalid integer', () => badInteger, '22P02'],
    ['a NUL in text', () => nul, '22021'],
    ['a division by zero (its `where` quotes the parameters)', () => division, '22012'],
  ])('%s: type and SQLSTATE and frames, no message, detail or where', (_, error, code) => {
    const { logger, lines, parsed } = recordingLogger();
    logger.warn({ err: error(), order_id: 'ord_1' }, 'order not stored');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/Lovelace|\\u0000|duplicate key|invalid input/);
    const [line] = parsed();
    expect(line!.order_id).toBe('ord_1');
    expect(line!.err).toEqual({ type: 'DatabaseError', code, stack: expect.stringMatching(/^\s+at /) });
    expect(Object.keys(line!.err)).not.toEqual(expect.arrayContaining(['detail', 'where', 'message']));
  });

  it('a mail relay refusal quoting the recipient: its code, not the address', () => {
    const smtp = Object.assign(new Error(`Can't send mail - all recipients were rejected: 550 5.1.1 <${EMAIL}>: Recipient address rejected`), {
      code: 'EENVELOPE',
      response: `550 5.1.1 <${EMAIL}>: Recipient address rejected`,
      responseCode: 550,
      command: 'RCPT TO',
      rejected: [EMAIL],
    });
    const { logger, lines, parsed } = recordingLogger();
    logger.error({ err: smtp }, 'alert job failed');
    expect(lines[0]).not.toContain(EMAIL);
    expect(lines[0]).not.toContain('ada.lovelace');
    expect(parsed()[0]!.err).toMatchObject({ type: 'Error', code: 'EENVELOPE' });
  });

  it('a cause is written by the same rules: our message stays, the driver error under it keeps only type and code', () => {
    const { logger, lines, parsed } = recordingLogger();
    logger.warn({ err: new UnavailableError('database', 1, { cause: unique }) }, 'retention sweep failed');
    logger.warn({ err: new Error(`could not store ${NAME}`, { cause: new Error(EMAIL, { cause: unique }) }) }, 'wrapped');
    expect(lines.join('\n')).not.toMatch(/Lovelace|example\.com|duplicate key/);
    const [unavailable, wrapped] = parsed();
    expect(unavailable!.err).toMatchObject({
      type: 'UnavailableError',
      code: 'unavailable',
      message: 'database is unavailable',
      cause: { type: 'DatabaseError', code: '23505' },
    });
    expect(wrapped!.err).toMatchObject({ type: 'Error', cause: { type: 'Error', cause: { type: 'DatabaseError', code: '23505' } } });
    expect(wrapped!.err.message).toBeUndefined();
  });

  it('our own errors keep their messages; a ValidationError its message, not the details that may quote the input', () => {
    const { logger, parsed } = recordingLogger();
    logger.warn({ err: new NotFoundError('order') }, 'a');
    logger.warn({ err: new ValidationError('the request body is not valid', [{ path: 'status', message: `Invalid enum value, received '${NAME}'` }]) }, 'b');
    logger.warn({ err: new PermanentDeliveryError('smtp 550', 550) }, 'c');
    logger.warn({ err: new DependencyDownError('redis') }, 'd');
    const [notFound, invalid, refused, down] = parsed();
    expect(notFound!.err).toMatchObject({ type: 'NotFoundError', code: 'not_found', message: 'order not found' });
    expect(invalid!.err).toMatchObject({ type: 'ValidationError', code: 'validation_failed', message: 'the request body is not valid' });
    expect(JSON.stringify(invalid)).not.toContain(NAME);
    expect(refused!.err).toMatchObject({ type: 'PermanentDeliveryError', message: 'smtp 550' });
    expect(down!.err).toMatchObject({ type: 'DependencyDownError', message: 'redis is not reachable' });
  });

  it('a SyntaxError quoting the text it could not parse: its type only', () => {
    const syntax = ((): Error => {
      try {
        JSON.parse(NAME);
      } catch (error) {
        return error as Error;
      }
      throw new Error('parsed');
    })();
    expect(syntax.message).toContain(NAME);
    const { logger, lines, parsed } = recordingLogger();
    logger.warn({ err: syntax, channel: 'trk:order:ord_1' }, 'unreadable live update');
    expect(lines[0]).not.toContain('Lovelace');
    expect(parsed()[0]!.err).toMatchObject({ type: 'SyntaxError' });
  });

  it('a Node system error keeps its message, call and peer', async () => {
    // A port just freed: nothing listens on it.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const socket = net.connect(port, '127.0.0.1');
    const refused = await new Promise<Error>((resolve) => socket.once('error', resolve));
    const { logger, parsed } = recordingLogger();
    logger.warn({ err: refused }, 'not reachable');
    expect(parsed()[0]!.err).toMatchObject({
      type: 'Error',
      code: 'ECONNREFUSED',
      message: `connect ECONNREFUSED 127.0.0.1:${port}`,
      syscall: 'connect',
      address: '127.0.0.1',
      port,
    });
  });

  it('logging an error without a message line does not make its message the line', () => {
    const { logger, lines, parsed } = recordingLogger();
    logger.error(unique);
    expect(lines[0]).not.toMatch(/Lovelace|duplicate key/);
    expect(parsed()[0]).toMatchObject({ msg: 'DatabaseError', err: { type: 'DatabaseError', code: '23505' } });
  });

  it('a string or object passed as the error is reduced to its type; a summary stays as it is', () => {
    const { logger, lines, parsed } = recordingLogger();
    logger.warn({ err: `duplicate key: ${NAME}` }, 'a');
    logger.warn({ error: { name: NAME } }, 'b');
    logger.error({ error: errorSummary(unique) }, 'request failed');
    expect(lines.join('\n')).not.toContain(NAME);
    expect(parsed().map((line) => line.err ?? line.error)).toEqual([
      { type: 'string' },
      { type: 'object' },
      { type: 'DatabaseError', code: '23505' },
    ]);
  });

  it('the frames only: no header line, however many lines the message has', () => {
    const error = new TypeError(`first line\n    at ${NAME} (file.ts:1:1)\nlast line`);
    const { logger, lines, parsed } = recordingLogger();
    logger.error({ err: error }, 'event listener failed');
    expect(lines[0]).not.toContain(NAME);
    const stack = parsed()[0]!.err.stack as string;
    expect(stack.split('\n').every((line) => /^\s+at /.test(line))).toBe(true);
    expect(stack).toContain('log-privacy.test.ts');
  });
});

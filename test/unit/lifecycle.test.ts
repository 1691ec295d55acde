import pino from 'pino';
import { Lifecycle } from '../../src/lifecycle';

/** A logger whose lines are kept, to check what shutdown reports. */
function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('a lifecycle list', () => {
  it('stops its parts in the reverse of the order they were built, once however often it is asked', async () => {
    const { logger } = recordingLogger();
    const parts = new Lifecycle({ logger });
    const stopped: string[] = [];
    for (const name of ['store', 'redis', 'services', 'http']) {
      await parts.part(name, () => name, (built) => void stopped.push(built));
    }
    parts.add('listen', () => void stopped.push('listen'));
    await Promise.all([parts.stop(), parts.stop()]);
    await parts.stop();
    expect(stopped).toEqual(['listen', 'http', 'services', 'redis', 'store']);
  });

  it('gives up on a stop that outlasts its bound and on one that fails, logs each, and runs the rest', async () => {
    const { logger, lines } = recordingLogger();
    const parts = new Lifecycle({ logger, stepTimeoutMs: 20 });
    const stopped: string[] = [];
    parts.add('store', () => void stopped.push('store'));
    parts.add('redis', () => new Promise(() => {})); // never settles (Redis down)
    parts.add('notifier', () => {
      throw new Error('worker already gone');
    });
    await parts.stop();
    expect(stopped).toEqual(['store']);
    expect(lines.filter((line) => line.step !== undefined).map((line) => [line.step, line.msg])).toEqual([
      ['notifier', 'shutdown step failed'],
      ['redis', 'shutdown step timed out; going on'],
    ]);
  });

  it('names the step a start-up failed at, in one line with its cause, after stopping what was built before it', async () => {
    const { logger } = recordingLogger();
    const parts = new Lifecycle({ logger });
    const stopped: string[] = [];
    await parts.part('store', () => 'store', () => void stopped.push('store'));
    const cause = new Error('listen EADDRINUSE: address already in use 127.0.0.1:3000');
    const failure = await parts
      .part('listen', () => Promise.reject(cause), () => void stopped.push('listen'))
      .catch((error: unknown) => error as Error);
    expect(failure.message).toBe('start-up failed at listen: listen EADDRINUSE: address already in use 127.0.0.1:3000');
    expect(failure.cause).toBe(cause);
    expect(stopped).toEqual(['store']);
  });

  it('rejects a step bound that is not positive', () => {
    expect(() => new Lifecycle({ logger: recordingLogger().logger, stepTimeoutMs: 0 })).toThrow(RangeError);
  });
});

import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { errorSummary, loggedError } from './error-summary';

/**
 * What every logger of the server is built with. No personal data goes in a log: an error is written by
 * {@link loggedError} (its type, code, frames, and a message only where the text is ours), whoever logs it and
 * whatever it quotes, instead of pino's default, which writes the message, the stack and every field (a PostgreSQL
 * error's `detail` quotes the refused row). `logger.error(error)` without a message would take the error's message
 * as the line's: the hook gives it the error's type instead.
 */
export const LOGGER_OPTIONS = {
  serializers: { err: loggedError, error: loggedError },
  hooks: {
    logMethod(args, method) {
      const [first, second, ...rest] = args as unknown[];
      if (first instanceof Error && typeof second !== 'string') {
        return method.apply(this, [{ err: first }, errorSummary(first).type, ...(second === undefined ? [] : [second]), ...rest] as never);
      }
      return method.apply(this, args);
    },
  },
} satisfies LoggerOptions;

/**
 * The one structured logger. Pretty-printed when a person is watching the terminal; `destination` (a stream) is for
 * reading the lines back.
 */
export function createLogger(level: string, pretty = process.stdout.isTTY === true, destination?: DestinationStream): Logger {
  if (pretty && !destination) {
    return pino({ ...LOGGER_OPTIONS, level, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return destination ? pino({ ...LOGGER_OPTIONS, level }, destination) : pino({ ...LOGGER_OPTIONS, level });
}

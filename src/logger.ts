import pino, { type Logger } from 'pino';

/** The one structured logger. Pretty-printed when a person is watching the terminal. */
export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  if (pretty) {
    return pino({ level, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
  }
  return pino({ level });
}

import type { Logger } from 'pino';
import { answerFor } from '../domain/error-answers';
import { errorSummary } from '../error-summary';
import type { WireError } from './events';

/**
 * The error of a refused socket request as its acknowledgement carries it (API.md "Live updates"): a domain
 * error's code and message, as HTTP answers them; anything else is `internal`, logged, its text kept from the
 * client.
 */
export function ackError(error: unknown, logger: Logger): WireError {
  const answer = answerFor(error);
  if (answer) return { code: answer.code, message: answer.message };
  // One line, no stack and no message: those may quote the request's data (see error-summary.ts).
  logger.error({ error: errorSummary(error) }, 'socket request failed');
  return { code: 'internal', message: 'internal error' };
}

/** An acknowledgement that refuses. */
export type RefuseAck = (reply: { ok: false; error: WireError }) => void;

import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import { ackError, type RefuseAck } from './ack-error';
import type { WireError } from './events';
import type { IoSocket } from './session';

// A socket this many times past its budget in one second is cut rather than answered.
const CUT_AFTER_BUDGETS = 3;

/**
 * The `subscribe`/`unsubscribe` requests one socket may make per second: past it they are refused (`rate_limited`),
 * and a socket that keeps going far past it is disconnected, so a flood never starves the node.
 */
export class RequestBudget {
  private readonly limiter: RateLimiterMemory;

  constructor(
    /** At least 1, checked with the gateway's options. */
    private readonly perSecond: number,
    private readonly logger: Logger,
  ) {
    this.limiter = new RateLimiterMemory({ points: perSecond, duration: 1 });
  }

  /** Runs `go` once the request is within the socket's budget; otherwise acknowledges the refusal. */
  spend(socket: IoSocket, ack: RefuseAck, go: () => void): void {
    this.admit(socket).then(
      (refusal) => (refusal ? ack({ ok: false, error: refusal }) : go()),
      (error: unknown) => ack({ ok: false, error: ackError(error, this.logger) }),
    );
  }

  /** Spends one request of the socket's budget; a refusal says why. A socket far past its budget is cut. */
  private async admit(socket: IoSocket): Promise<WireError | null> {
    try {
      await this.limiter.consume(socket.id);
      return null;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      if (rejection.consumedPoints > CUT_AFTER_BUDGETS * this.perSecond) socket.disconnect(true);
      return { code: 'rate_limited', message: `at most ${this.perSecond} subscription requests per second` };
    }
  }
}

import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { TokenService } from '../auth/token-service';
import { answerFor } from '../domain/error-answers';
import { NotFoundError, RateLimitedError, UnauthorizedError } from '../domain/errors';
import type { OrderService } from '../services/order-service';
import { attachSession, type IoSocket } from './session';
import type { SocketSlots } from './socket-slots';

export interface HandshakeOptions {
  tokens: Pick<TokenService, 'authenticateSession'>;
  /** Reads a tracking link's order: a link that no longer opens it (renewed, erased, long over) is refused. */
  orders: Pick<OrderService, 'get'>;
  /** See {@link GatewayOptions.admitAnonymous}. */
  admitAnonymous?: (handshake: IncomingMessage) => Promise<boolean>;
  /** The sockets each credential holds on this node, a slot taken per socket (see {@link SocketSlots.take}). @default no limit */
  slots?: Pick<SocketSlots, 'take'>;
  logger: Logger;
  now: () => number;
}

// A slot frees only when one of the credential's sockets closes: a client told to retry sooner would mostly be refused again.
const SLOT_RETRY_SECONDS = 5;

/** What a refused handshake's `connect_error` carries besides its message. */
export interface RefusalData {
  code: 'rate_limited' | 'unavailable';
  message: string;
  retry_after?: number;
}

/**
 * A refused handshake: Socket.IO hands its `message` (the code, API.md) and `data` to the client's
 * `connect_error`.
 */
export class HandshakeRefusal extends Error {
  constructor(
    message: 'unauthorized' | 'rate_limited' | 'unavailable',
    readonly data?: RefusalData,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'HandshakeRefusal';
  }
}

/**
 * The handshake of every socket (a Socket.IO middleware): the token must grant a tenant's principal, and the
 * socket keeps what it grants (see {@link attachSession}), not the token. A flood of bad handshakes spends the
 * address's anonymous budget, like a flood of 401s.
 */
export function handshake(options: HandshakeOptions): (socket: IoSocket, next: (refusal?: HandshakeRefusal) => void) => void {
  return (socket, next) => {
    authenticate(socket, options).then(
      () => next(),
      (error: unknown) => {
        const refusal = refusalOf(error);
        if (refusal.message === 'unavailable') options.logger.warn({ err: error }, 'socket handshake could not be checked');
        next(refusal);
      },
    );
  };
}

async function authenticate(socket: IoSocket, options: HandshakeOptions): Promise<void> {
  const auth: Record<string, unknown> | undefined = socket.handshake.auth;
  const token = typeof auth?.token === 'string' ? auth.token : undefined;
  let credential: Awaited<ReturnType<TokenService['authenticateSession']>>;
  try {
    credential = await options.tokens.authenticateSession(token);
  } catch (error) {
    if (error instanceof UnauthorizedError && !(await (options.admitAnonymous?.(socket.request) ?? true))) {
      throw new RateLimitedError(1);
    }
    throw error;
  }
  const { principal, expiresAt } = credential;
  if (principal.role === 'admin') throw new UnauthorizedError('the admin token has no tenant to watch');
  if (expiresAt !== null && expiresAt <= options.now()) throw new UnauthorizedError();
  if (principal.role === 'tracker') {
    // A link's token outlives the link (renewal, erasure, the order long over): the order decides, as over HTTP.
    await options.orders.get(principal, principal.orderId).catch((error: unknown) => {
      // A link to an order that is not there (any more) is a bad link, not a server fault.
      throw error instanceof NotFoundError ? new UnauthorizedError() : error;
    });
  }
  // Taken last, once nothing else can refuse the socket (a refused socket takes no slot). The socket keeps the
  // principal its credential's other sockets keep.
  const kept = options.slots ? options.slots.take(socket, principal) : principal;
  if (!kept) throw new RateLimitedError(SLOT_RETRY_SECONDS);
  // The credential is checked: the socket keeps what it grants, not the token itself.
  if (auth) delete auth.token;
  attachSession(socket, { principal: kept, expiresAt });
}

/**
 * API.md: a bad or expired token is `unauthorized`; a flood `rate_limited`, with when to retry; anything else (the
 * store unreachable while an API key is checked) is not the client's fault, and says so, so the client retries
 * rather than giving up.
 */
function refusalOf(error: unknown): HandshakeRefusal {
  const answer = answerFor(error);
  if (answer?.code === 'unauthorized') return new HandshakeRefusal('unauthorized', undefined, { cause: error });
  if (answer?.code === 'rate_limited') {
    const data: RefusalData = { code: 'rate_limited', message: answer.message, retry_after: answer.retryAfterSeconds };
    return new HandshakeRefusal('rate_limited', data, { cause: error });
  }
  const data: RefusalData = { code: 'unavailable', message: 'the server cannot check credentials right now; retry shortly' };
  return new HandshakeRefusal('unavailable', data, { cause: error });
}

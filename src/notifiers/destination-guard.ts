import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { blockedAddressReason, literalAddress } from '../domain/webhook-destination';

/** Resolves a host name to every address it has (the system resolver by default). */
export type Resolve = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export interface DestinationGuardOptions {
  /**
   * Lets webhooks reach loopback and private addresses (`WEBHOOK_ALLOW_PRIVATE`: local development, tests).
   * @default false
   */
  allowPrivate?: boolean;
  /** @default `dns.promises.lookup(hostname, { all: true })` */
  resolve?: Resolve;
}

/** A destination refused: it names, or resolves to, an address webhooks may not reach. */
export class BlockedDestinationError extends Error {
  constructor(readonly reason: string) {
    super(`destination refused: ${reason}`);
    this.name = 'BlockedDestinationError';
  }
}

const systemResolve: Resolve = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

/**
 * Keeps webhooks away from the server's own network (SSRF): a destination is refused when its host is, or resolves
 * to, any address `blockedAddressReason` refuses. Checked when an endpoint is registered and again on every
 * connection, where the check is the connection's own DNS lookup, so the address connected to is the address checked
 * (a name that changes its answer between the two cannot slip through).
 */
export class DestinationGuard {
  private readonly allowPrivate: boolean;
  private readonly resolve: Resolve;

  constructor(options: DestinationGuardOptions = {}) {
    this.allowPrivate = options.allowPrivate ?? false;
    this.resolve = options.resolve ?? systemResolve;
  }

  /**
   * Why an endpoint URL may not be registered, or null. A name that does not resolve now is let through (DNS may be
   * down, or the name not published yet): every send checks it again.
   */
  async refusal(url: URL): Promise<string | null> {
    if (this.allowPrivate) return null;
    const literal = literalAddress(url);
    if (literal !== null) return blockedAddressReason(literal);
    let addresses: Array<{ address: string }>;
    try {
      addresses = await this.resolve(url.hostname);
    } catch {
      return null;
    }
    return this.firstRefused(url.hostname, addresses);
  }

  /** Throws BlockedDestinationError when the URL names a refused address (a name is checked by {@link lookup}). */
  checkLiteral(url: URL): void {
    if (this.allowPrivate) return;
    const literal = literalAddress(url);
    const reason = literal === null ? null : blockedAddressReason(literal);
    if (reason) throw new BlockedDestinationError(reason);
  }

  /**
   * A `lookup` for `net.connect` (through `http.request`): resolves the name and fails the connection with
   * BlockedDestinationError when any of its addresses is refused.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    this.resolve(hostname).then(
      (addresses) => {
        const reason = this.allowPrivate ? null : this.firstRefused(hostname, addresses);
        if (reason) {
          callback(new BlockedDestinationError(reason) as NodeJS.ErrnoException, '', 0);
          return;
        }
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((entry) => entry.family === options.family) : addresses;
        if (wanted[0] === undefined) {
          const error = new Error(`no address for ${hostname}`) as NodeJS.ErrnoException;
          error.code = 'ENOTFOUND';
          callback(error, '', 0);
          return;
        }
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0].address, wanted[0].family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };

  /** The reason of the first refused address of a name (every address must be allowed), or null. */
  private firstRefused(hostname: string, addresses: Array<{ address: string }>): string | null {
    for (const { address } of addresses) {
      const reason = blockedAddressReason(address);
      if (reason) return `${hostname} resolves to ${reason}`;
    }
    return null;
  }
}

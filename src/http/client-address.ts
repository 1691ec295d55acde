import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import { keptIn } from '../kept';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Which proxies in front of the node are believed about the client's address (`TRUST_PROXY`): a number of hops
 * (the proxies nearest the node, however many there are), or the ranges of address they connect from.
 */
export type TrustProxy = { hops: number } | { ranges: Array<[Address, number]> };

/**
 * `TRUST_PROXY` as written: a whole number of hops, or a comma list of addresses and CIDR ranges.
 * @throws RangeError saying what is wrong
 */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops < 1 || hops > 32) throw new RangeError('must be a number of hops from 1 to 32, or a comma list of CIDR ranges');
    return { hops };
  }
  const ranges = text.split(',').map((part): [Address, number] => {
    const entry = part.trim();
    if (ipaddr.isValidCIDR(entry)) {
      const [address, bits] = ipaddr.parseCIDR(entry);
      return [unmapped(address), address.kind() === 'ipv6' && unmapped(address).kind() === 'ipv4' ? Math.max(0, bits - 96) : bits];
    }
    if (ipaddr.isValid(entry)) {
      const address = ipaddr.process(entry);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    }
    throw new RangeError(`"${entry}" is not an address or CIDR range (want a number of hops, or a comma list of CIDR ranges)`);
  });
  return { ranges };
}

/**
 * The client's address of a request (API.md "Limits": the anonymous budget is per client address). Without
 * trusted proxies it is the connection's peer and `X-Forwarded-For` is ignored (anyone can write it). Behind
 * trusted proxies it is read from `X-Forwarded-For` from the right, each trusted hop skipped: the first address
 * no trusted proxy stands for is the client, since everything left of it was written by the client itself.
 */
export class ClientAddresses {
  /** @param trust the trusted proxies; null: none (the default). */
  constructor(private readonly trust: TrustProxy | null) {}

  /** The client's address of a request (an HTTP request, or a socket's handshake). */
  of(request: Pick<IncomingMessage, 'headers' | 'socket'>): string {
    return this.resolve(request.socket.remoteAddress, request.headers['x-forwarded-for']);
  }

  /** The client's address, from the connection's peer and the request's `X-Forwarded-For`. */
  resolve(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    const nearest = parse(peer ?? '');
    if (!nearest) return peer ?? '';
    let client = nearest;
    if (this.trust && forwardedFor !== undefined) {
      // Nearest first: the node's peer, then what each proxy appended, right to left.
      const reported = [forwardedFor]
        .flat()
        .join(',')
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '')
        .reverse();
      for (let hop = 0; hop < reported.length && this.trusts(client, hop); hop++) {
        const next = parse(reported[hop]!);
        // A proxy that wrote nonsense is believed no further: its own peer is the client.
        if (!next) break;
        client = next;
      }
    }
    return client.toString();
  }

  /** Whether a caller's address is the node's own machine (loopback). */
  static isLoopback(address: string): boolean {
    return parse(address)?.range() === 'loopback';
  }

  /** Whether `address`, reached after `hop` trusted proxies, is itself a trusted proxy. */
  private trusts(address: Address, hop: number): boolean {
    const trust = this.trust!;
    if ('hops' in trust) return hop < trust.hops;
    return trust.ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
  }
}

/**
 * The key of an address's anonymous budget: an IPv4 address itself, an IPv6 one by its /64. A single IPv6 client
 * (a home line, a cloud machine) is handed a whole /64 and can pick any address in it, so keying by the address
 * would give it 2^64 budgets.
 */
export function budgetKeyOf(address: string): string {
  const parsed = parse(address);
  if (!parsed || parsed.kind() === 'ipv4') return address;
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}

/**
 * Addresses parsed, by their text: every request parses its peer's (and its budget key's), and a keep-alive
 * connection or a proxy brings the same few again and again. The oldest go past `PARSED_KEPT`.
 */
const parsedAddresses = new Map<string, Address | null>();
const PARSED_KEPT = 10_000;

/** An address as a proxy writes it (an IPv6 one maybe in brackets, either maybe with a port); null when not one. */
function parse(text: string): Address | null {
  return keptIn(parsedAddresses, text, PARSED_KEPT, () => parseText(text));
}

function parseText(text: string): Address | null {
  let entry = text;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) entry = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(entry)) entry = entry.slice(0, entry.lastIndexOf(':'));
  if (!ipaddr.isValid(entry)) return null;
  try {
    // IPv4-mapped IPv6 (`::ffff:127.0.0.1`, how a dual-stack socket reports an IPv4 peer) becomes the IPv4 address.
    return ipaddr.process(entry);
  } catch {
    return null;
  }
}

function unmapped(address: Address): Address {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}

/**
 * Where a webhook may be sent (API.md "Webhooks": an `http(s)` URL that neither names nor resolves to a loopback,
 * private or link-local address). Pure: the classification of a URL and of an address; resolving names is the
 * caller's (src/notifiers/destination-guard.ts).
 */
import ipaddr from 'ipaddr.js';

/** Longest URL an endpoint may have. */
export const MAX_WEBHOOK_URL_LENGTH = 2000;

/**
 * Why an address is not a webhook target, or null when it may be one. Only public unicast addresses may: loopback,
 * private (RFC 1918), carrier-grade NAT, link-local (cloud metadata at 169.254.169.254), unique-local, unspecified,
 * multicast, broadcast and reserved ranges are refused, IPv4-mapped IPv6 (`::ffff:10.0.0.1`) as the IPv4 address it
 * maps, and the translation ranges (6to4, Teredo, NAT64) because they can reach private IPv4 behind them.
 */
export function blockedAddressReason(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // `process` turns an IPv4-mapped IPv6 address into the IPv4 address it stands for.
    parsed = ipaddr.process(address);
  } catch {
    return 'not an IP address';
  }
  const range = parsed.range();
  return range === 'unicast' ? null : `${range} address ${parsed.toString()}`;
}

/** The hostname of a URL as an IP address, when it is one (`[::1]` → `::1`); null for a name. */
export function literalAddress(url: URL): string | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return ipaddr.isValid(host) ? host : null;
}

/** Parses an endpoint URL: `http:` or `https:`, with a host. @returns the URL, or what is wrong with it */
export function parseWebhookUrl(text: string): { url: URL } | { problem: string } {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) return { problem: `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'must be an absolute http(s) URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'must be an http(s) URL' };
  if (url.hostname === '') return { problem: 'must name a host' };
  return { url };
}

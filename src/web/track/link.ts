/** The tracking link the page was opened with: `/track/<order id>?token=<tracking token>`. */
export interface TrackingLink {
  orderId: string;
  token: string;
}

/** The order id and token of `location`, or null when the link is missing either. */
export function readLink(location: Pick<Location, 'pathname' | 'search'>): TrackingLink | null {
  const match = /^\/track\/([^/]+)\/?$/.exec(location.pathname);
  const token = new URLSearchParams(location.search).get('token');
  if (!match || !token) return null;
  try {
    return { orderId: decodeURIComponent(match[1]!), token };
  } catch {
    return null; // a malformed %-escape: not a link we sent
  }
}

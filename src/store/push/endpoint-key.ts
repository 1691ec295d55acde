import { createHash } from 'node:crypto';

/**
 * The key a subscription's endpoint is unique under (with its holder): its SHA-256, base64url. An endpoint can be as
 * long as a URL may be, longer than an index entry should; its digest is short and as unique.
 */
export function endpointKey(endpoint: string): string {
  return createHash('sha256').update(endpoint).digest('base64url');
}

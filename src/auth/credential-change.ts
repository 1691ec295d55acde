import type { Revocation } from '../store/credentials/port';

/**
 * A change to who may call, which every node applies at once (see `CredentialBroadcast`): a subject's tokens revoked,
 * a tenant's API key replaced (the old one is dropped from every node's cache), or a courier made inactive (its every
 * token refused while it stays so) or active again, or a courier's device removed (its key refused from then on).
 */
export type CredentialChange =
  | { kind: 'revoked'; revocation: Revocation }
  | { kind: 'api_key'; tenantId: string }
  | { kind: 'courier_active'; tenantId: string; courierId: string; active: boolean }
  | { kind: 'device_removed'; keyHash: string };

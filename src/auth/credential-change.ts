import type { Revocation } from '../store/credentials/port';

/**
 * A change to who may call, which every node applies at once (see `CredentialBroadcast`): a subject's tokens revoked,
 * or a tenant's API key replaced (the old one is dropped from every node's cache).
 */
export type CredentialChange = { kind: 'revoked'; revocation: Revocation } | { kind: 'api_key'; tenantId: string };

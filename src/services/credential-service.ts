import type { CredentialChange } from '../auth/credential-change';
import { hashApiKey } from '../auth/token-service';
import { NotFoundError } from '../domain/errors';
import { newSecret } from '../domain/ids';
import type { CredentialRevocations, RevocableRole } from '../store/credentials/port';
import type { TenantDirectory } from '../store/tenants/port';

export interface CredentialServiceOptions {
  store: {
    credentials: Pick<CredentialRevocations, 'revokeSubject'>;
    tenants: Pick<TenantDirectory, 'replaceApiKey'>;
  };
  /**
   * Applies a change on every node, resolving once they applied it (or were given up on: they converge from the
   * store). See `CredentialBroadcast.announce`.
   */
  announce: (change: CredentialChange) => Promise<void>;
  /** Epoch ms. @default Date.now */
  now?: () => number;
}

/** A revocation answered: the subject's tokens issued up to `revoked_before` are refused. */
export interface RevokedSubject {
  role: RevocableRole;
  subject: string;
  revoked_before: string;
}

/**
 * Taking credentials back (API.md "Identities and tokens"): every token of a subject issued until now, or a tenant's
 * API key. Stored first, so a node that misses the announcement still learns it from the store; announced to every
 * node before the caller hears back, so none takes the credential once it has.
 */
export class CredentialService {
  private readonly now: () => number;

  constructor(private readonly options: CredentialServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Refuses every token of the subject issued until now, on every node; later tokens work. */
  async revoke(tenantId: string, role: RevocableRole, subject: string): Promise<RevokedSubject> {
    const before = new Date(this.now()).toISOString();
    const revocation = { tenant_id: tenantId, role, subject, before };
    await this.options.store.credentials.revokeSubject(revocation);
    await this.options.announce({ kind: 'revoked', revocation });
    // Tokens minted in the revocation's own millisecond are refused too: answer once it is over, so that every token
    // minted after the answer works.
    while (this.now() <= Date.parse(before)) await new Promise((resolve) => setTimeout(resolve, 1));
    return { role, subject, revoked_before: before };
  }

  /**
   * Makes a courier inactive or active again, on every node (API.md "Courier records"; its record says so already).
   * Inactive: its every token is refused from now on, minted before or after, and its sockets are cut; its tokens
   * issued until now are also revoked, so that reactivation lets only tokens minted after it in.
   */
  async setCourierActive(tenantId: string, courierId: string, active: boolean): Promise<void> {
    await this.options.announce({ kind: 'courier_active', tenantId, courierId, active });
    if (!active) await this.revoke(tenantId, 'courier', courierId);
  }

  /** Refuses a removed device's key on every node (the store has it no more; nodes drop it from their caches). */
  async forgetDeviceKey(keyHash: string): Promise<void> {
    await this.options.announce({ kind: 'device_removed', keyHash });
  }

  /**
   * Gives the tenant a new API key, returned here only (the store keeps its hash); the old one is refused on every
   * node from then on, and the sockets it opened are cut.
   * @throws NotFoundError for an unknown tenant
   */
  async rotateApiKey(tenantId: string): Promise<{ api_key: string }> {
    const apiKey = newSecret('ak');
    if (!(await this.options.store.tenants.replaceApiKey(tenantId, hashApiKey(apiKey)))) throw new NotFoundError('tenant');
    await this.options.announce({ kind: 'api_key', tenantId });
    return { api_key: apiKey };
  }
}

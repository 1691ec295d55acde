/** The roles whose tokens a business mints, and so may revoke. */
export type RevocableRole = 'customer' | 'courier' | 'staff';

/**
 * Every token of one subject issued before `before` is refused (API.md "Identities and tokens": `POST
 * /v1/tokens/revoke`). Tokens minted later work.
 */
export interface Revocation {
  tenant_id: string;
  role: RevocableRole;
  subject: string;
  /** ISO UTC time with milliseconds: tokens issued strictly before it are refused. */
  before: string;
}

/** Revoked token subjects. Few (one row per subject ever revoked), so every node holds them all in memory. */
export interface CredentialRevocations {
  /**
   * Refuses the subject's tokens issued before `revocation.before`. A subject revoked again keeps the later of the
   * two times (a late write of an earlier revocation never lets older tokens back in).
   */
  revokeSubject(revocation: Revocation): Promise<void>;
  /** Every revocation, each subject once with its latest time. */
  listRevocations(): Promise<Revocation[]>;
}

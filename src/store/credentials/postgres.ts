import type { PostgresContext } from '../postgres/context';
import type { CredentialRevocations, Revocation } from './port';

/** Revoked token subjects on PostgreSQL. */
export class PostgresCredentialRevocations implements CredentialRevocations {
  constructor(private readonly db: PostgresContext) {}

  async revokeSubject(revocation: Revocation): Promise<void> {
    await this.db.query(
      `INSERT INTO token_revocations (tenant_id, role, subject, revoked_before) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, role, subject)
       DO UPDATE SET revoked_before = GREATEST(token_revocations.revoked_before, excluded.revoked_before)`,
      [revocation.tenant_id, revocation.role, revocation.subject, revocation.before],
    );
  }

  async listRevocations(): Promise<Revocation[]> {
    // Times come back as ISO strings (the context's timestamptz parser).
    const { rows } = await this.db.query<Revocation>('SELECT tenant_id, role, subject, revoked_before AS before FROM token_revocations');
    return rows;
  }
}

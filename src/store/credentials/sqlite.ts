import type { Database } from 'better-sqlite3';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import type { CredentialRevocations, Revocation } from './port';

/** Revoked token subjects in the embedded store's `token_revocations` table. */
export class SqliteCredentialRevocations implements CredentialRevocations {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  revokeSubject(revocation: Revocation): Promise<void> {
    return this.context.write(() => {
      this.stmt().upsert.run(revocation);
    });
  }

  listRevocations(): Promise<Revocation[]> {
    return this.context.read(() => this.stmt().list.all() as Revocation[]);
  }
}

function prepare(db: Database) {
  return {
    // ISO UTC times with milliseconds compare correctly as text: max() keeps the later one.
    upsert: db.prepare(
      `INSERT INTO token_revocations (tenant_id, role, subject, revoked_before) VALUES (@tenant_id, @role, @subject, @before)
       ON CONFLICT (tenant_id, role, subject) DO UPDATE SET revoked_before = max(revoked_before, excluded.revoked_before)`,
    ),
    list: db.prepare('SELECT tenant_id, role, subject, revoked_before AS before FROM token_revocations'),
  };
}

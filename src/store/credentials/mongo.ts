import type { MongoContext } from '../mongo/context';
import { isDuplicateKey } from '../mongo/errors';
import type { CredentialRevocations, Revocation } from './port';

/** Revoked token subjects on MongoDB, one document each. */
export class MongoCredentialRevocations implements CredentialRevocations {
  constructor(private readonly db: Pick<MongoContext, 'revocations' | 'run'>) {}

  revokeSubject(revocation: Revocation): Promise<void> {
    return this.db.run(async () => {
      const _id = JSON.stringify([revocation.tenant_id, revocation.role, revocation.subject]);
      // Moves an earlier time on (ISO UTC times compare as strings); a later one stays.
      const moved = await this.db.revocations.updateOne({ _id, before: { $lt: revocation.before } }, { $set: { before: revocation.before } });
      if (moved.matchedCount > 0) return;
      try {
        await this.db.revocations.insertOne({ _id, ...revocation });
      } catch (error) {
        // There already, with a time at least as late.
        if (!isDuplicateKey(error)) throw error;
      }
    });
  }

  listRevocations(): Promise<Revocation[]> {
    return this.db.run(async () => {
      const docs = await this.db.revocations.find({}).toArray();
      return docs.map(({ tenant_id, role, subject, before }) => ({ tenant_id, role, subject, before }));
    });
  }
}

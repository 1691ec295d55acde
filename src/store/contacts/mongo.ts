import { randomUUID } from 'node:crypto';
import { PREFERENCES_SCOPE, type ContactAddress, type ContactKind, type ContactStanding } from '../../domain/contact';
import type { MongoContext } from '../mongo/context';
import { tupleId } from '../mongo/documents';
import { isDuplicateKey } from '../mongo/errors';
import type { CodePurpose, CodeTry, ContactBook, ContactCode, IssueResult, SignInCodeTry } from './port';

type Db = Pick<MongoContext, 'contacts' | 'contactCodes' | 'contactSends' | 'run'>;

const contactsId = (tenantId: string, customerId: string): string => tupleId(tenantId, customerId);
// Confirmation codes keep the window ids they had before codes had a purpose.
const sendsId = (tenantId: string, purpose: CodePurpose, kind: ContactKind, address: string): string =>
  purpose === 'confirm' ? tupleId(tenantId, kind, address) : tupleId(tenantId, kind, address, purpose);
// Codes written before sign-in codes have no purpose: they are confirmation codes.
const CONFIRMATION = { $ne: 'sign_in' } as const;

/**
 * Customers' own contact addresses on MongoDB, without transactions: a customer's self-set and confirmed addresses
 * are one document, a code's rate window is one document per address (a guarded push), and a code is used up by a
 * guarded update of its own document.
 */
export class MongoContactBook implements ContactBook {
  constructor(private readonly db: Db) {}

  contactStanding(tenantId: string, customerId: string, orderId: string | null): Promise<ContactStanding> {
    return this.db.run(async () => {
      const doc = await this.db.contacts.findOne({ _id: contactsId(tenantId, customerId) });
      const pick = (scope: string) =>
        (doc?.self_set ?? []).filter((entry) => entry.scope === scope).map(({ kind, address }) => ({ kind, address }));
      return {
        preferences: pick(PREFERENCES_SCOPE),
        order: orderId === null ? [] : pick(orderId),
        confirmed: (doc?.confirmed ?? []).map(({ kind, address }) => ({ kind, address })),
      };
    });
  }

  putSelfSet(tenantId: string, customerId: string, scope: string, addresses: ContactAddress[]): Promise<void> {
    return this.db.run(async () => {
      const _id = contactsId(tenantId, customerId);
      const mark = randomUUID();
      if (addresses.length > 0) {
        const entries = addresses.map(({ kind, address }) => ({ scope, kind, address, mark }));
        await this.upsert(_id, tenantId, customerId, { $push: { self_set: { $each: entries } } });
      }
      await this.db.contacts.updateOne({ _id }, { $pull: { self_set: { scope: { $eq: scope }, mark: { $ne: mark } } } });
    });
  }

  issueCode(code: ContactCode, window: { since: string; max: number }): Promise<IssueResult> {
    return this.db.run(async () => {
      const _id = sendsId(code.tenant_id, code.purpose, code.kind, code.address);
      await this.db.contactSends.updateOne({ _id }, { $pull: { sent: { $lte: window.since } } });
      try {
        // Matches only while the window has room; a full one fails the filter and the upsert's insert hits the `_id`.
        await this.db.contactSends.updateOne(
          { _id, [`sent.${window.max - 1}`]: { $exists: false } },
          { $push: { sent: code.issued_at }, $set: { last: code.issued_at }, $setOnInsert: { tenant_id: code.tenant_id } },
          { upsert: true },
        );
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const full = await this.db.contactSends.findOne({ _id });
        return { issued: false, oldest: [...(full?.sent ?? [code.issued_at])].sort()[0]! };
      }
      const { id, ...fields } = code;
      await this.db.contactCodes.insertOne({ _id: id, ...fields, tries: 0, spent: false });
      return { issued: true };
    });
  }

  tryCode(tenantId: string, customerId: string, kind: ContactKind, address: string): Promise<CodeTry | null> {
    return this.db.run(async () => {
      // Only the customer's latest code for the address counts: a new one makes the earlier ones useless.
      const [latest] = await this.db.contactCodes
        .find({ tenant_id: tenantId, customer_id: customerId, kind, address, purpose: CONFIRMATION })
        .sort({ issued_at: -1, _id: -1 })
        .limit(1)
        .toArray();
      if (!latest || latest.spent) return null;
      const after = await this.db.contactCodes.findOneAndUpdate({ _id: latest._id, spent: false }, { $inc: { tries: 1 } }, { returnDocument: 'after' });
      return after ? { id: after._id, code_hash: after.code_hash, expires_at: after.expires_at, tries: after.tries } : null;
    });
  }

  confirmCode(codeId: string, confirmedAt: string): Promise<boolean> {
    return this.db.run(async () => {
      const code = await this.db.contactCodes.findOneAndUpdate(
        { _id: codeId, spent: false, purpose: CONFIRMATION },
        { $set: { spent: true } },
        { returnDocument: 'after' },
      );
      if (!code) return false;
      const { tenant_id: tenantId, customer_id: customerId, kind, address } = code;
      const _id = contactsId(tenantId, customerId);
      // The new confirmation goes in before an earlier one of the address goes: it is never missing in between.
      await this.upsert(_id, tenantId, customerId, { $push: { confirmed: { kind, address, confirmed_at: confirmedAt } } });
      await this.db.contacts.updateOne({ _id }, { $pull: { confirmed: { kind: { $eq: kind }, address: { $eq: address }, confirmed_at: { $ne: confirmedAt } } } });
      return true;
    });
  }

  trySignInCode(tenantId: string, kind: ContactKind, address: string): Promise<SignInCodeTry | null> {
    return this.db.run(async () => {
      // Only the address's latest sign-in code counts, whoever it went to.
      const [latest] = await this.db.contactCodes
        .find({ tenant_id: tenantId, kind, address, purpose: 'sign_in' })
        .sort({ issued_at: -1, _id: -1 })
        .limit(1)
        .toArray();
      if (!latest || latest.spent) return null;
      const after = await this.db.contactCodes.findOneAndUpdate({ _id: latest._id, spent: false }, { $inc: { tries: 1 } }, { returnDocument: 'after' });
      return after
        ? { id: after._id, customer_id: after.customer_id, code_hash: after.code_hash, expires_at: after.expires_at, tries: after.tries }
        : null;
    });
  }

  spendSignInCode(codeId: string): Promise<boolean> {
    return this.db.run(async () => {
      const spent = await this.db.contactCodes.findOneAndUpdate({ _id: codeId, spent: false, purpose: 'sign_in' }, { $set: { spent: true } }, { returnDocument: 'after' });
      return spent !== null;
    });
  }

  eraseContacts(tenantId: string, customerId: string): Promise<boolean> {
    return this.db.run(async () => {
      const codes = await this.db.contactCodes.find({ tenant_id: tenantId, customer_id: customerId }).toArray();
      // A rate window is kept by address: the customer's addresses leave with it.
      const windows = [...new Set(codes.map((code) => sendsId(tenantId, code.purpose ?? 'confirm', code.kind, code.address)))];
      if (windows.length > 0) await this.db.contactSends.deleteMany({ _id: { $in: windows } });
      const removedCodes = (await this.db.contactCodes.deleteMany({ tenant_id: tenantId, customer_id: customerId })).deletedCount;
      const removedContacts = (await this.db.contacts.deleteOne({ _id: contactsId(tenantId, customerId) })).deletedCount;
      return removedCodes + removedContacts > 0;
    });
  }

  pruneCodes(issuedBefore: string): Promise<void> {
    return this.db.run(async () => {
      await this.db.contactCodes.deleteMany({ issued_at: { $lt: issuedBefore } });
      await this.db.contactSends.deleteMany({ last: { $lt: issuedBefore } });
    });
  }

  forgetOrderContacts(tenantId: string, orderIds: string[]): Promise<void> {
    if (orderIds.length === 0) return Promise.resolve();
    return this.db.run(async () => {
      await this.db.contacts.updateMany(
        { tenant_id: tenantId, 'self_set.scope': { $in: orderIds } },
        { $pull: { self_set: { scope: { $in: orderIds } } } },
      );
    });
  }

  expireConfirmations(tenantId: string, confirmedBefore: string): Promise<void> {
    return this.db.run(async () => {
      await this.db.contacts.updateMany(
        { tenant_id: tenantId, 'confirmed.confirmed_at': { $lt: confirmedBefore } },
        { $pull: { confirmed: { confirmed_at: { $lt: confirmedBefore } } } },
      );
    });
  }

  /** An update of the customer's document, creating it when missing (two creations at once: the loser updates). */
  private async upsert(_id: string, tenantId: string, customerId: string, update: Record<string, unknown>): Promise<void> {
    const created = { tenant_id: tenantId, customer_id: customerId };
    try {
      await this.db.contacts.updateOne({ _id }, { ...update, $setOnInsert: created }, { upsert: true });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.db.contacts.updateOne({ _id }, update);
    }
  }
}

import { UnavailableError } from '../../domain/errors';
import { decideBooking } from '../../domain/loyalty';
import type { MongoContext } from '../mongo/context';
import { accountId, ledgerEntry, type AccountDocument } from '../mongo/documents';
import { isDuplicateKey } from '../mongo/errors';
import type { LedgerBooking, LedgerEntry, LedgerResult, LoyaltyAccount, LoyaltyLedger } from './port';

// A booking that loses the account's compare-and-set to another node reads again and decides again. Each loss
// means another booking of the same customer went through, so this many in a row is a pile-up worth a 503 (the
// client retries), not a reason to spin.
const BOOK_ATTEMPTS = 20;

/** The points ledger on MongoDB: a customer's account is one document, written under its own version. */
export class MongoLoyaltyLedger implements LoyaltyLedger {
  constructor(private readonly db: Pick<MongoContext, 'accounts' | 'run'>) {}

  /**
   * Reads the account, lets the domain decide (`decideBooking`), and writes the decision in one update guarded by
   * the version read (and the key's absence): a booking that lost a race to another node writes nothing and decides
   * again on a fresh read, so a redemption never spends points another one spent. The first booking of a customer
   * creates the account (an upsert on version 0; two firsts at once: one gets a duplicate key and decides again).
   */
  bookLedger(booking: LedgerBooking): Promise<LedgerResult> {
    return this.db.run(async () => {
      const _id = accountId(booking.tenantId, booking.customerId);
      for (let attempt = 1; attempt <= BOOK_ATTEMPTS; attempt++) {
        const account = await this.db.accounts.findOne({ _id });
        const version = account?.version ?? 0;
        const existing = account?.entries.find((entry) => entry.unique_key === booking.uniqueKey) ?? null;
        const decision = decideBooking({ balance: account?.balance ?? 0, existing: existing && ledgerEntry(existing) }, booking);
        if (decision.kind !== 'book') return decision;
        try {
          const written = await this.db.accounts.updateOne(
            { _id, version, 'entries.unique_key': { $ne: booking.uniqueKey } },
            {
              $push: { entries: ledgerEntry(decision.entry) },
              $set: { balance: decision.balance },
              $inc: { version: 1 },
              $setOnInsert: { tenant_id: booking.tenantId, customer_id: booking.customerId },
            },
            { upsert: version === 0 },
          );
          if (written.matchedCount > 0 || written.upsertedCount > 0) {
            return { kind: 'booked', entry: decision.entry, balance: decision.balance };
          }
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
      }
      throw new UnavailableError('database', 1);
    });
  }

  findLedgerEntry(tenantId: string, customerId: string, uniqueKey: string): Promise<LedgerEntry | null> {
    return this.db.run(async () => {
      const doc = await this.db.accounts.findOne<Partial<Pick<AccountDocument, 'entries'>>>(
        { _id: accountId(tenantId, customerId) },
        { projection: { _id: 0, entries: { $elemMatch: { unique_key: uniqueKey } } } },
      );
      const entry = doc?.entries?.[0];
      return entry ? ledgerEntry(entry) : null;
    });
  }

  /** One document read: the balance and the entries as the same write left them. */
  getLoyalty(tenantId: string, customerId: string): Promise<LoyaltyAccount> {
    return this.db.run(async () => {
      const account = await this.db.accounts.findOne({ _id: accountId(tenantId, customerId) });
      if (!account) return { balance: 0, entries: [] };
      // Oldest first; a stable sort keeps entries of the same instant in the order they were booked.
      const entries = account.entries.map(ledgerEntry).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      return { balance: account.balance, entries };
    });
  }

  /** The sum of the entries' deltas, written under the same version guard as a booking. */
  rebuildBalance(tenantId: string, customerId: string): Promise<number> {
    return this.db.run(async () => {
      const _id = accountId(tenantId, customerId);
      for (let attempt = 1; attempt <= BOOK_ATTEMPTS; attempt++) {
        const account = await this.db.accounts.findOne({ _id });
        if (!account) return 0;
        const total = account.entries.reduce((sum, entry) => sum + entry.delta, 0);
        const written = await this.db.accounts.updateOne({ _id, version: account.version }, { $set: { balance: total }, $inc: { version: 1 } });
        if (written.matchedCount > 0) return total;
      }
      throw new UnavailableError('database', 1);
    });
  }
}

import type { Database } from 'better-sqlite3';
import { decideBooking } from '../../domain/loyalty';
import type { LedgerBooking, LedgerEntry, LedgerResult, LoyaltyAccount, LoyaltyLedger } from './port';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';

/** Loyalty ledgers and their kept balances in the embedded store (`ledger`, `balances`). */
export class SqliteLoyaltyLedger implements LoyaltyLedger {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  /** Books one ledger fact inside one transaction: reads the account, lets the domain decide, writes what it decided. */
  bookLedger(booking: LedgerBooking): Promise<LedgerResult> {
    return this.context.write((): LedgerResult => {
      const stmt = this.stmt();
      const balanceRow = stmt.balanceGet.get(booking.tenantId, booking.customerId) as { balance: number } | undefined;
      const existing = stmt.byKey.get(booking.tenantId, booking.customerId, booking.uniqueKey) as LedgerEntry | undefined;
      const decision = decideBooking({ balance: balanceRow?.balance ?? 0, existing: existing ?? null }, booking);
      if (decision.kind !== 'book') return decision;
      stmt.insert.run(decision.entry);
      stmt.balancePut.run(booking.tenantId, booking.customerId, decision.balance);
      return { kind: 'booked', entry: decision.entry, balance: decision.balance };
    });
  }

  findLedgerEntry(tenantId: string, customerId: string, uniqueKey: string): Promise<LedgerEntry | null> {
    return this.context.read(() => (this.stmt().byKey.get(tenantId, customerId, uniqueKey) as LedgerEntry | undefined) ?? null);
  }

  getLoyalty(tenantId: string, customerId: string): Promise<LoyaltyAccount> {
    // One read transaction: balance and entries from the same snapshot, whatever other nodes commit meanwhile.
    return this.context.read(() =>
      this.context.db.transaction(() => {
        const stmt = this.stmt();
        const row = stmt.balanceGet.get(tenantId, customerId) as { balance: number } | undefined;
        return { balance: row?.balance ?? 0, entries: stmt.list.all(tenantId, customerId) as LedgerEntry[] };
      })(),
    );
  }

  rebuildBalance(tenantId: string, customerId: string): Promise<number> {
    return this.context.write(() => {
      const stmt = this.stmt();
      const { total } = stmt.sum.get(tenantId, customerId) as { total: number | null };
      stmt.balancePut.run(tenantId, customerId, total ?? 0);
      return total ?? 0;
    });
  }
}

function prepare(db: Database) {
  return {
    byKey: db.prepare('SELECT * FROM ledger WHERE tenant_id = ? AND customer_id = ? AND unique_key = ?'),
    list: db.prepare('SELECT * FROM ledger WHERE tenant_id = ? AND customer_id = ? ORDER BY at, rowid'),
    sum: db.prepare('SELECT SUM(delta) AS total FROM ledger WHERE tenant_id = ? AND customer_id = ?'),
    insert: db.prepare(
      `INSERT INTO ledger (id, tenant_id, customer_id, unique_key, delta, reason, order_id, kind, shortfall, request_hash, at)
       VALUES (@id, @tenant_id, @customer_id, @unique_key, @delta, @reason, @order_id, @kind, @shortfall, @request_hash, @at)`,
    ),
    balanceGet: db.prepare('SELECT balance FROM balances WHERE tenant_id = ? AND customer_id = ?'),
    balancePut: db.prepare(
      `INSERT INTO balances (tenant_id, customer_id, balance) VALUES (?, ?, ?)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET balance = excluded.balance`,
    ),
  };
}

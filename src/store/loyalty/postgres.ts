import { decideBooking } from '../../domain/loyalty';
import type { PostgresContext } from '../postgres/context';
import type { LedgerBooking, LedgerEntry, LedgerResult, LoyaltyAccount, LoyaltyLedger } from './port';

const ENTRY_COLUMNS = 'id, tenant_id, customer_id, unique_key, delta, reason, order_id, kind, shortfall, request_hash, at';
const LEDGER_SELECT = `SELECT ${ENTRY_COLUMNS} FROM ledger`;

/**
 * A booking that cannot be refused (an accrual or a reversal), in one statement. The customer's balance row is locked
 * first (FOR UPDATE returns its latest version, whatever committed after the statement began), so a reversal takes
 * at most what the balance holds and the bookings of one customer take turns across every node. The entry goes in
 * unless its key is booked already, and the balance moves by its delta only when it went in. `decideBooking`'s rule,
 * here in SQL (the store contract holds both to the same answers): an accrual adds its points; a reversal takes at
 * most what the balance holds (a delta of 0 when it holds nothing) and records the rest as its shortfall.
 *
 * Answers `booked` with the entry and the new balance, or `duplicate` with the entry under the key and the balance as
 * locked; no row when the entry under the key was committed after the statement began (it cannot see it).
 */
const BOOK_UNREFUSABLE = `
  WITH locked AS (
    SELECT balance FROM balances WHERE tenant_id = $2 AND customer_id = $3 FOR UPDATE
  ), taken AS (
    SELECT LEAST($5::int, COALESCE((SELECT balance FROM locked), 0)) AS points
  ), decided AS (
    SELECT
      CASE WHEN $6::text = 'reversal' THEN (CASE WHEN taken.points > 0 THEN -taken.points ELSE 0 END) ELSE $5::int END AS delta,
      CASE WHEN $6::text = 'reversal' THEN $5::int - taken.points ELSE 0 END AS shortfall
    FROM taken
  ), inserted AS (
    INSERT INTO ledger (id, tenant_id, customer_id, unique_key, delta, reason, order_id, kind, shortfall, request_hash, at)
    SELECT $1, $2, $3, $4, decided.delta, $6::text, $7, $8, decided.shortfall, $9, $10 FROM decided
    ON CONFLICT (tenant_id, customer_id, unique_key) DO NOTHING
    RETURNING ${ENTRY_COLUMNS}
  ), moved AS (
    INSERT INTO balances (tenant_id, customer_id, balance) SELECT tenant_id, customer_id, delta FROM inserted
    ON CONFLICT (tenant_id, customer_id) DO UPDATE SET balance = balances.balance + EXCLUDED.balance
    RETURNING balance
  )
  SELECT 'booked' AS outcome, inserted.*, moved.balance FROM inserted, moved
  UNION ALL
  SELECT 'duplicate' AS outcome, ${ENTRY_COLUMNS}, COALESCE((SELECT balance FROM locked), 0) AS balance FROM ledger
  WHERE tenant_id = $2 AND customer_id = $3 AND unique_key = $4 AND NOT EXISTS (SELECT 1 FROM inserted)`;

/**
 * Loyalty on PostgreSQL: ledger keys are a unique constraint, and a booking locks the customer's balance row, so
 * the bookings of one customer take turns across every node. An accrual or a reversal is one statement (one round
 * trip, one transaction of its own); a redemption, which the balance may refuse, is decided by `decideBooking` in a
 * transaction.
 */
export class PostgresLoyaltyLedger implements LoyaltyLedger {
  constructor(private readonly db: PostgresContext) {}

  bookLedger(booking: LedgerBooking): Promise<LedgerResult> {
    return booking.reason === 'redemption' ? this.bookDecided(booking) : this.bookUnrefusable(booking);
  }

  private async bookUnrefusable(booking: LedgerBooking): Promise<LedgerResult> {
    const { rows } = await this.db.query<LedgerEntry & { outcome: 'booked' | 'duplicate'; balance: number }>(BOOK_UNREFUSABLE, [
      booking.id, booking.tenantId, booking.customerId, booking.uniqueKey, booking.points, booking.reason, booking.orderId,
      booking.kind, booking.requestHash, booking.at,
    ]);
    const row = rows[0];
    if (row) {
      const { outcome, balance, ...entry } = row;
      return { kind: outcome, entry, balance };
    }
    // The key was booked by a statement that committed after this one began: that entry, and the balance now.
    const duplicate = await this.db.query<LedgerEntry & { balance: number }>(
      `SELECT ${ENTRY_COLUMNS}, COALESCE((SELECT balance FROM balances WHERE tenant_id = $1 AND customer_id = $2), 0) AS balance
       FROM ledger WHERE tenant_id = $1 AND customer_id = $2 AND unique_key = $3`,
      [booking.tenantId, booking.customerId, booking.uniqueKey],
    );
    const found = duplicate.rows[0];
    // Ledger entries are never deleted: a key that conflicted is there.
    if (!found) throw new Error('ledger: the entry under a conflicting key was not found');
    const { balance, ...entry } = found;
    return { kind: 'duplicate', entry, balance };
  }

  private bookDecided(booking: LedgerBooking): Promise<LedgerResult> {
    return this.db.transaction(async (client) => {
      // The customer's balance row, locked: bookings of one customer take turns across every node.
      await client.query('INSERT INTO balances (tenant_id, customer_id, balance) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [
        booking.tenantId,
        booking.customerId,
      ]);
      const locked = await client.query<{ balance: number }>(
        'SELECT balance FROM balances WHERE tenant_id = $1 AND customer_id = $2 FOR UPDATE',
        [booking.tenantId, booking.customerId],
      );
      const existing = await client.query<LedgerEntry>(`${LEDGER_SELECT} WHERE tenant_id = $1 AND customer_id = $2 AND unique_key = $3`, [
        booking.tenantId,
        booking.customerId,
        booking.uniqueKey,
      ]);
      const decision = decideBooking({ balance: locked.rows[0]!.balance, existing: existing.rows[0] ?? null }, booking);
      if (decision.kind !== 'book') return decision;
      const { entry } = decision;
      await client.query(
        `INSERT INTO ledger (id, tenant_id, customer_id, unique_key, delta, reason, order_id, kind, shortfall, request_hash, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [entry.id, entry.tenant_id, entry.customer_id, entry.unique_key, entry.delta, entry.reason, entry.order_id, entry.kind,
          entry.shortfall, entry.request_hash, entry.at],
      );
      await client.query('UPDATE balances SET balance = $1 WHERE tenant_id = $2 AND customer_id = $3', [
        decision.balance,
        booking.tenantId,
        booking.customerId,
      ]);
      return { kind: 'booked', entry, balance: decision.balance };
    });
  }

  async findLedgerEntry(tenantId: string, customerId: string, uniqueKey: string): Promise<LedgerEntry | null> {
    const { rows } = await this.db.query<LedgerEntry>(`${LEDGER_SELECT} WHERE tenant_id = $1 AND customer_id = $2 AND unique_key = $3`, [
      tenantId,
      customerId,
      uniqueKey,
    ]);
    return rows[0] ?? null;
  }

  getLoyalty(tenantId: string, customerId: string): Promise<LoyaltyAccount> {
    // Balance and entries from one snapshot, whatever other nodes book meanwhile.
    return this.db.snapshot(async (client) => {
      const balance = await client.query<{ balance: number }>('SELECT balance FROM balances WHERE tenant_id = $1 AND customer_id = $2', [
        tenantId,
        customerId,
      ]);
      const entries = await client.query<LedgerEntry>(
        `${LEDGER_SELECT} WHERE tenant_id = $1 AND customer_id = $2 ORDER BY at, position`,
        [tenantId, customerId],
      );
      return { balance: balance.rows[0]?.balance ?? 0, entries: entries.rows };
    });
  }

  rebuildBalance(tenantId: string, customerId: string): Promise<number> {
    return this.db.transaction(async (client) => {
      await client.query('INSERT INTO balances (tenant_id, customer_id, balance) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [tenantId, customerId]);
      await client.query('SELECT 1 FROM balances WHERE tenant_id = $1 AND customer_id = $2 FOR UPDATE', [tenantId, customerId]);
      const { rows } = await client.query<{ total: number }>(
        'SELECT COALESCE(SUM(delta), 0)::int AS total FROM ledger WHERE tenant_id = $1 AND customer_id = $2',
        [tenantId, customerId],
      );
      const total = rows[0]!.total;
      await client.query('UPDATE balances SET balance = $1 WHERE tenant_id = $2 AND customer_id = $3', [total, tenantId, customerId]);
      return total;
    });
  }
}

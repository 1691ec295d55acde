import { decideBooking } from '../../domain/loyalty';
import type { PostgresContext } from '../postgres/context';
import type { LedgerBooking, LedgerEntry, LedgerResult, LoyaltyAccount, LoyaltyLedger } from './port';

const LEDGER_SELECT =
  'SELECT id, tenant_id, customer_id, unique_key, delta, reason, order_id, kind, shortfall, request_hash, at FROM ledger';

/**
 * Loyalty on PostgreSQL: ledger keys are a unique constraint, and a booking locks the customer's balance row, so
 * the bookings of one customer take turns across every node.
 */
export class PostgresLoyaltyLedger implements LoyaltyLedger {
  constructor(private readonly db: PostgresContext) {}

  bookLedger(booking: LedgerBooking): Promise<LedgerResult> {
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

import { PREFERENCES_SCOPE, type ContactAddress, type ContactKind, type ContactStanding } from '../../domain/contact';
import type { PostgresContext } from '../postgres/context';
import { TurnBatch } from '../postgres/turn-batch';
import type { CodeTry, ContactBook, ContactCode, IssueResult, SignInCodeTry } from './port';

/**
 * Customers' own contact addresses on PostgreSQL. A code's issue counts the address's window and inserts under a
 * transaction-scoped advisory lock on the address, so concurrent issues on any node queue up behind each other.
 * The standings read in one turn (the alerts decided together) are one statement, self-set and confirmed addresses
 * both.
 */
export class PostgresContactBook implements ContactBook {
  private readonly standings = new TurnBatch<StandingKey, ContactStanding>(async (keys) => {
    // scope NULL: a confirmed address.
    const { rows } = await this.db.query<ContactAddress & { i: string; scope: string | null }>(
      `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k (tenant_id, customer_id, order_id, i))
       SELECT k.i, s.scope, s.kind, s.address FROM k
         JOIN contact_self_set s ON s.tenant_id = k.tenant_id AND s.customer_id = k.customer_id AND s.scope IN ($4, k.order_id)
       UNION ALL
       SELECT k.i, NULL, c.kind, c.address FROM k
         JOIN contact_confirmations c ON c.tenant_id = k.tenant_id AND c.customer_id = k.customer_id`,
      [keys.map((key) => key.tenantId), keys.map((key) => key.customerId), keys.map((key) => key.orderId), PREFERENCES_SCOPE],
    );
    const standings = keys.map((): ContactStanding => ({ preferences: [], order: [], confirmed: [] }));
    for (const { i, ...row } of rows) addToStanding(standings[Number(i) - 1]!, keys[Number(i) - 1]!.orderId, row);
    return standings;
  }, standingId);

  constructor(private readonly db: PostgresContext) {}

  contactStanding(tenantId: string, customerId: string, orderId: string | null): Promise<ContactStanding> {
    return this.standings.load({ tenantId, customerId, orderId });
  }

  async putSelfSet(tenantId: string, customerId: string, scope: string, addresses: ContactAddress[]): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query('DELETE FROM contact_self_set WHERE tenant_id = $1 AND customer_id = $2 AND scope = $3', [tenantId, customerId, scope]);
      for (const { kind, address } of addresses) {
        await client.query(
          `INSERT INTO contact_self_set (tenant_id, customer_id, scope, kind, address) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT DO NOTHING`,
          [tenantId, customerId, scope, kind, address],
        );
      }
    });
  }

  issueCode(code: ContactCode, window: { since: string; max: number }): Promise<IssueResult> {
    return this.db.transaction(async (client) => {
      const lock = `contact:${code.tenant_id}:${code.purpose}:${code.kind}:${code.address}`;
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lock]);
      const { rows } = await client.query<{ issued_at: string }>(
        `SELECT issued_at FROM contact_codes
         WHERE tenant_id = $1 AND purpose = $2 AND kind = $3 AND address = $4 AND issued_at > $5 ORDER BY issued_at`,
        [code.tenant_id, code.purpose, code.kind, code.address, window.since],
      );
      if (rows.length >= window.max) return { issued: false, oldest: rows[0]!.issued_at };
      await client.query(
        `INSERT INTO contact_codes (id, purpose, tenant_id, customer_id, kind, address, code_hash, issued_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [code.id, code.purpose, code.tenant_id, code.customer_id, code.kind, code.address, code.code_hash, code.issued_at, code.expires_at],
      );
      return { issued: true };
    });
  }

  async tryCode(tenantId: string, customerId: string, kind: ContactKind, address: string): Promise<CodeTry | null> {
    // Only the customer's latest code for the address counts: a new one makes the earlier ones useless.
    const { rows } = await this.db.query<CodeTry>(
      `UPDATE contact_codes SET tries = tries + 1
       WHERE id = (SELECT id FROM contact_codes
                   WHERE tenant_id = $1 AND customer_id = $2 AND kind = $3 AND address = $4 AND purpose = 'confirm'
                   ORDER BY issued_at DESC, id DESC LIMIT 1)
         AND NOT spent
       RETURNING id, code_hash, expires_at, tries`,
      [tenantId, customerId, kind, address],
    );
    return rows[0] ?? null;
  }

  confirmCode(codeId: string, confirmedAt: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<Pick<ContactCode, 'tenant_id' | 'customer_id' | 'kind' | 'address'>>(
        `UPDATE contact_codes SET spent = true WHERE id = $1 AND NOT spent AND purpose = 'confirm'
         RETURNING tenant_id, customer_id, kind, address`,
        [codeId],
      );
      const code = rows[0];
      if (!code) return false;
      await client.query(
        `INSERT INTO contact_confirmations (tenant_id, customer_id, kind, address, confirmed_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, customer_id, kind, address) DO UPDATE SET confirmed_at = EXCLUDED.confirmed_at`,
        [code.tenant_id, code.customer_id, code.kind, code.address, confirmedAt],
      );
      return true;
    });
  }

  async trySignInCode(tenantId: string, kind: ContactKind, address: string): Promise<SignInCodeTry | null> {
    // Only the address's latest sign-in code counts, whoever it went to.
    const { rows } = await this.db.query<SignInCodeTry>(
      `UPDATE contact_codes SET tries = tries + 1
       WHERE id = (SELECT id FROM contact_codes WHERE tenant_id = $1 AND purpose = 'sign_in' AND kind = $2 AND address = $3
                   ORDER BY issued_at DESC, id DESC LIMIT 1)
         AND NOT spent
       RETURNING id, customer_id, code_hash, expires_at, tries`,
      [tenantId, kind, address],
    );
    return rows[0] ?? null;
  }

  async spendSignInCode(codeId: string): Promise<boolean> {
    const { rowCount } = await this.db.query("UPDATE contact_codes SET spent = true WHERE id = $1 AND NOT spent AND purpose = 'sign_in'", [codeId]);
    return (rowCount ?? 0) > 0;
  }

  eraseContacts(tenantId: string, customerId: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      let changes = 0;
      for (const table of ['contact_codes', 'contact_self_set', 'contact_confirmations']) {
        changes += (await client.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND customer_id = $2`, [tenantId, customerId])).rowCount ?? 0;
      }
      return changes > 0;
    });
  }

  async pruneCodes(issuedBefore: string): Promise<void> {
    await this.db.query('DELETE FROM contact_codes WHERE issued_at < $1', [issuedBefore]);
  }

  async forgetOrderContacts(tenantId: string, orderIds: string[]): Promise<void> {
    if (orderIds.length === 0) return;
    await this.db.query('DELETE FROM contact_self_set WHERE tenant_id = $1 AND scope = ANY($2::text[])', [tenantId, orderIds]);
  }

  async expireConfirmations(tenantId: string, confirmedBefore: string): Promise<void> {
    await this.db.query('DELETE FROM contact_confirmations WHERE tenant_id = $1 AND confirmed_at < $2', [tenantId, confirmedBefore]);
  }
}

/** One row of a standing read (scope NULL: a confirmed address), added to the standing of `orderId`. */
export function addToStanding(standing: ContactStanding, orderId: string | null, { scope, kind, address }: StandingRow): void {
  const list = scope === null ? standing.confirmed : scope === PREFERENCES_SCOPE ? standing.preferences : scope === orderId ? standing.order : null;
  list?.push({ kind, address });
}

/** A row of a standing read: an address the customer set itself (at `scope`) or confirmed (`scope` NULL). */
export type StandingRow = ContactAddress & { scope: string | null };

interface StandingKey {
  tenantId: string;
  customerId: string;
  orderId: string | null;
}

function standingId({ tenantId, customerId, orderId }: StandingKey): string {
  return `${tenantId}\u0000${customerId}\u0000${orderId ?? ''}`;
}

import type { Database } from 'better-sqlite3';
import { PREFERENCES_SCOPE, type ContactAddress, type ContactKind, type ContactStanding } from '../../domain/contact';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import type { CodeTry, ContactBook, ContactCode, IssueResult, SignInCodeTry } from './port';

/**
 * Customers' own contact addresses in the embedded store. Every write runs inside one group-commit transaction on the
 * store's single connection, so a count and the insert it allows cannot interleave with another write.
 */
export class SqliteContactBook implements ContactBook {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  contactStanding(tenantId: string, customerId: string, orderId: string | null): Promise<ContactStanding> {
    return this.context.read(() => {
      const stmt = this.stmt();
      const selfSet = stmt.selfSetOf.all(tenantId, customerId, PREFERENCES_SCOPE, orderId) as Array<ContactAddress & { scope: string }>;
      const confirmed = stmt.confirmedOf.all(tenantId, customerId) as ContactAddress[];
      const pick = (scope: string) => selfSet.filter((entry) => entry.scope === scope).map(({ kind, address }) => ({ kind, address }));
      return { preferences: pick(PREFERENCES_SCOPE), order: orderId === null ? [] : pick(orderId), confirmed };
    });
  }

  putSelfSet(tenantId: string, customerId: string, scope: string, addresses: ContactAddress[]): Promise<void> {
    return this.context.write(() => {
      const stmt = this.stmt();
      stmt.selfSetDelete.run(tenantId, customerId, scope);
      for (const { kind, address } of addresses) stmt.selfSetInsert.run(tenantId, customerId, scope, kind, address);
    });
  }

  issueCode(code: ContactCode, window: { since: string; max: number }): Promise<IssueResult> {
    return this.context.write(() => {
      const stmt = this.stmt();
      const recent = stmt.recentIssues.all(code.tenant_id, code.purpose, code.kind, code.address, window.since) as Array<{ issued_at: string }>;
      if (recent.length >= window.max) return { issued: false, oldest: recent[0]!.issued_at };
      stmt.codeInsert.run(code);
      return { issued: true };
    });
  }

  tryCode(tenantId: string, customerId: string, kind: ContactKind, address: string): Promise<CodeTry | null> {
    return this.context.write(() => (this.stmt().codeTry.get(tenantId, customerId, kind, address) as CodeTry | undefined) ?? null);
  }

  confirmCode(codeId: string, confirmedAt: string): Promise<boolean> {
    return this.context.write(() => {
      const stmt = this.stmt();
      const code = stmt.codeSpend.get(codeId) as Pick<ContactCode, 'tenant_id' | 'customer_id' | 'kind' | 'address'> | undefined;
      if (!code) return false;
      stmt.confirmationPut.run({ ...code, confirmed_at: confirmedAt });
      return true;
    });
  }

  trySignInCode(tenantId: string, kind: ContactKind, address: string): Promise<SignInCodeTry | null> {
    return this.context.write(() => (this.stmt().signInTry.get(tenantId, kind, address) as SignInCodeTry | undefined) ?? null);
  }

  spendSignInCode(codeId: string): Promise<boolean> {
    return this.context.write(() => this.stmt().signInSpend.run(codeId).changes > 0);
  }

  eraseContacts(tenantId: string, customerId: string): Promise<boolean> {
    return this.context.write(() => {
      const stmt = this.stmt();
      const changes =
        stmt.codesOfCustomerDelete.run(tenantId, customerId).changes +
        stmt.selfSetOfCustomerDelete.run(tenantId, customerId).changes +
        stmt.confirmationsOfCustomerDelete.run(tenantId, customerId).changes;
      return changes > 0;
    });
  }

  pruneCodes(issuedBefore: string): Promise<void> {
    return this.context.write(() => {
      this.stmt().codesPrune.run(issuedBefore);
    });
  }

  forgetOrderContacts(tenantId: string, orderIds: string[]): Promise<void> {
    if (orderIds.length === 0) return Promise.resolve();
    return this.context.write(() => {
      this.stmt().selfSetOfOrdersDelete.run(tenantId, JSON.stringify(orderIds));
    });
  }

  expireConfirmations(tenantId: string, confirmedBefore: string): Promise<void> {
    return this.context.write(() => {
      this.stmt().confirmationsExpire.run(tenantId, confirmedBefore);
    });
  }
}

function prepare(db: Database) {
  return {
    selfSetOf: db.prepare(
      'SELECT scope, kind, address FROM contact_self_set WHERE tenant_id = ? AND customer_id = ? AND scope IN (?, ?)',
    ),
    confirmedOf: db.prepare('SELECT kind, address FROM contact_confirmations WHERE tenant_id = ? AND customer_id = ?'),
    selfSetDelete: db.prepare('DELETE FROM contact_self_set WHERE tenant_id = ? AND customer_id = ? AND scope = ?'),
    selfSetInsert: db.prepare(
      `INSERT INTO contact_self_set (tenant_id, customer_id, scope, kind, address) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    ),
    recentIssues: db.prepare(
      `SELECT issued_at FROM contact_codes INDEXED BY contact_codes_by_purpose
       WHERE tenant_id = ? AND purpose = ? AND kind = ? AND address = ? AND issued_at > ? ORDER BY issued_at`,
    ),
    codeInsert: db.prepare(
      `INSERT INTO contact_codes (id, purpose, tenant_id, customer_id, kind, address, code_hash, issued_at, expires_at)
       VALUES (@id, @purpose, @tenant_id, @customer_id, @kind, @address, @code_hash, @issued_at, @expires_at)`,
    ),
    // Only the customer's latest code for the address counts: a new one makes the earlier ones useless.
    codeTry: db.prepare(
      `UPDATE contact_codes SET tries = tries + 1
       WHERE id = (SELECT id FROM contact_codes INDEXED BY contact_codes_by_customer
                   WHERE tenant_id = ? AND customer_id = ? AND kind = ? AND address = ? AND purpose = 'confirm'
                   ORDER BY issued_at DESC, id DESC LIMIT 1)
         AND spent = 0
       RETURNING id, code_hash, expires_at, tries`,
    ),
    codeSpend: db.prepare(
      `UPDATE contact_codes SET spent = 1 WHERE id = ? AND spent = 0 AND purpose = 'confirm'
       RETURNING tenant_id, customer_id, kind, address`,
    ),
    // Only the address's latest sign-in code counts, whoever it went to.
    signInTry: db.prepare(
      `UPDATE contact_codes SET tries = tries + 1
       WHERE id = (SELECT id FROM contact_codes INDEXED BY contact_codes_by_purpose
                   WHERE tenant_id = ? AND purpose = 'sign_in' AND kind = ? AND address = ? ORDER BY issued_at DESC, id DESC LIMIT 1)
         AND spent = 0
       RETURNING id, customer_id, code_hash, expires_at, tries`,
    ),
    signInSpend: db.prepare("UPDATE contact_codes SET spent = 1 WHERE id = ? AND spent = 0 AND purpose = 'sign_in'"),
    confirmationPut: db.prepare(
      `INSERT INTO contact_confirmations (tenant_id, customer_id, kind, address, confirmed_at)
       VALUES (@tenant_id, @customer_id, @kind, @address, @confirmed_at)
       ON CONFLICT (tenant_id, customer_id, kind, address) DO UPDATE SET confirmed_at = excluded.confirmed_at`,
    ),
    codesOfCustomerDelete: db.prepare('DELETE FROM contact_codes WHERE tenant_id = ? AND customer_id = ?'),
    selfSetOfCustomerDelete: db.prepare('DELETE FROM contact_self_set WHERE tenant_id = ? AND customer_id = ?'),
    confirmationsOfCustomerDelete: db.prepare('DELETE FROM contact_confirmations WHERE tenant_id = ? AND customer_id = ?'),
    codesPrune: db.prepare('DELETE FROM contact_codes WHERE issued_at < ?'),
    selfSetOfOrdersDelete: db.prepare(
      'DELETE FROM contact_self_set WHERE tenant_id = ? AND scope IN (SELECT value FROM json_each(?))',
    ),
    confirmationsExpire: db.prepare('DELETE FROM contact_confirmations WHERE tenant_id = ? AND confirmed_at < ?'),
  };
}

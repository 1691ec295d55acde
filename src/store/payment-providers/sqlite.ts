import type { Database } from 'better-sqlite3';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import type { PaymentProviderChanges, PaymentProviderDirectory, StoredPaymentProvider } from './port';

/** A `payment_providers` row: `enabled` as 0/1. */
interface ProviderRow extends Omit<StoredPaymentProvider, 'enabled'> {
  enabled: number;
}

/** Tenants' payment providers in the embedded store's `payment_providers` table. */
export class SqlitePaymentProviderDirectory implements PaymentProviderDirectory {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  createPaymentProvider(provider: StoredPaymentProvider): Promise<void> {
    return this.context.write(() => {
      this.stmt().insert.run(toRow(provider));
    });
  }

  listPaymentProviders(tenantId: string): Promise<StoredPaymentProvider[]> {
    return this.context.read(() => (this.stmt().list.all(tenantId) as ProviderRow[]).map(fromRow));
  }

  getPaymentProvider(tenantId: string, providerId: string): Promise<StoredPaymentProvider | null> {
    return this.context.read(() => optional(this.stmt().get.get(tenantId, providerId) as ProviderRow | undefined));
  }

  findPaymentProvider(providerId: string): Promise<StoredPaymentProvider | null> {
    return this.context.read(() => optional(this.stmt().find.get(providerId) as ProviderRow | undefined));
  }

  updatePaymentProvider(tenantId: string, providerId: string, changes: PaymentProviderChanges): Promise<StoredPaymentProvider | null> {
    // Read and written in one transaction (the write lock is held throughout): a change merges with the latest row.
    return this.context.write(() => {
      const stmt = this.stmt();
      const row = stmt.get.get(tenantId, providerId) as ProviderRow | undefined;
      if (!row) return null;
      const merged: StoredPaymentProvider = {
        ...fromRow(row),
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        ...(changes.credentials !== undefined ? { credentials: changes.credentials } : {}),
        ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
        updated_at: changes.updated_at,
      };
      stmt.put.run(toRow(merged));
      return merged;
    });
  }

  deletePaymentProvider(tenantId: string, providerId: string): Promise<boolean> {
    return this.context.write(() => this.stmt().remove.run(tenantId, providerId).changes > 0);
  }
}

function toRow(provider: StoredPaymentProvider): ProviderRow {
  return { ...provider, enabled: provider.enabled ? 1 : 0 };
}

function fromRow(row: ProviderRow): StoredPaymentProvider {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    provider: row.provider,
    name: row.name,
    credentials: row.credentials,
    enabled: row.enabled === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function optional(row: ProviderRow | undefined): StoredPaymentProvider | null {
  return row ? fromRow(row) : null;
}

const COLUMNS = 'id, tenant_id, provider, name, credentials, enabled, created_at, updated_at';

function prepare(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO payment_providers (${COLUMNS})
       VALUES (@id, @tenant_id, @provider, @name, @credentials, @enabled, @created_at, @updated_at)`,
    ),
    put: db.prepare('UPDATE payment_providers SET name = @name, credentials = @credentials, enabled = @enabled, updated_at = @updated_at WHERE id = @id'),
    list: db.prepare(`SELECT ${COLUMNS} FROM payment_providers WHERE tenant_id = ? ORDER BY created_at, id`),
    get: db.prepare(`SELECT ${COLUMNS} FROM payment_providers WHERE tenant_id = ? AND id = ?`),
    find: db.prepare(`SELECT ${COLUMNS} FROM payment_providers WHERE id = ?`),
    remove: db.prepare('DELETE FROM payment_providers WHERE tenant_id = ? AND id = ?'),
  };
}

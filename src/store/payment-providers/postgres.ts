import type { PostgresContext } from '../postgres/context';
import type { PaymentProviderChanges, PaymentProviderDirectory, StoredPaymentProvider } from './port';

const COLUMNS = 'id, tenant_id, provider, name, credentials, enabled, created_at, updated_at';

/** Tenants' payment providers on PostgreSQL. */
export class PostgresPaymentProviderDirectory implements PaymentProviderDirectory {
  constructor(private readonly db: PostgresContext) {}

  async createPaymentProvider(provider: StoredPaymentProvider): Promise<void> {
    await this.db.query(`INSERT INTO payment_providers (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
      provider.id,
      provider.tenant_id,
      provider.provider,
      provider.name,
      provider.credentials,
      provider.enabled,
      provider.created_at,
      provider.updated_at,
    ]);
  }

  async listPaymentProviders(tenantId: string): Promise<StoredPaymentProvider[]> {
    const { rows } = await this.db.query<StoredPaymentProvider>(
      `SELECT ${COLUMNS} FROM payment_providers WHERE tenant_id = $1 ORDER BY created_at, id COLLATE "C"`,
      [tenantId],
    );
    return rows;
  }

  async getPaymentProvider(tenantId: string, providerId: string): Promise<StoredPaymentProvider | null> {
    const { rows } = await this.db.query<StoredPaymentProvider>(`SELECT ${COLUMNS} FROM payment_providers WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      providerId,
    ]);
    return rows[0] ?? null;
  }

  async findPaymentProvider(providerId: string): Promise<StoredPaymentProvider | null> {
    const { rows } = await this.db.query<StoredPaymentProvider>(`SELECT ${COLUMNS} FROM payment_providers WHERE id = $1`, [providerId]);
    return rows[0] ?? null;
  }

  async updatePaymentProvider(tenantId: string, providerId: string, changes: PaymentProviderChanges): Promise<StoredPaymentProvider | null> {
    // Each column is set only when the change names it, in one guarded statement.
    const { rows } = await this.db.query<StoredPaymentProvider>(
      `UPDATE payment_providers SET
         name = COALESCE($3, name),
         credentials = COALESCE($4, credentials),
         enabled = COALESCE($5::boolean, enabled),
         updated_at = $6
       WHERE tenant_id = $1 AND id = $2
       RETURNING ${COLUMNS}`,
      [tenantId, providerId, changes.name ?? null, changes.credentials ?? null, changes.enabled ?? null, changes.updated_at],
    );
    return rows[0] ?? null;
  }

  async deletePaymentProvider(tenantId: string, providerId: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM payment_providers WHERE tenant_id = $1 AND id = $2', [tenantId, providerId]);
    return (rowCount ?? 0) > 0;
  }
}

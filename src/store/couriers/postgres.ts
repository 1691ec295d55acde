import { TERMINAL_STATUSES } from '../../domain/status';
import type { PostgresContext } from '../postgres/context';
import { TurnBatch } from '../postgres/turn-batch';
import { sqlStatuses } from '../sql-statuses';
import { definedFields, type CourierChanges, type CourierInvite, type CourierPage, type CourierRecord, type CourierRecords, type CourierSighting } from './port';

const CHANGEABLE: ReadonlyArray<keyof CourierChanges> = ['name', 'phone', 'vehicle', 'active'];
/** A courier record's columns, as every read of one lists them. */
export const COURIER_COLUMNS = 'tenant_id, id, name, phone, vehicle, active, created_at, last_location';

interface CourierKey {
  tenantId: string;
  courierId: string;
}

/** Couriers' records and invites on PostgreSQL. The records read in one turn (alerts naming their courier) are one statement. */
export class PostgresCourierRecords implements CourierRecords {
  private readonly reads = new TurnBatch<CourierKey, CourierRecord | null>(async (keys) => {
    const { rows } = await this.db.query<CourierRecord>(
      `SELECT ${COURIER_COLUMNS} FROM couriers WHERE (tenant_id, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [keys.map((key) => key.tenantId), keys.map((key) => key.courierId)],
    );
    const found = new Map(rows.map((row) => [courierKeyId({ tenantId: row.tenant_id, courierId: row.id }), row]));
    return keys.map((key) => found.get(courierKeyId(key)) ?? null);
  }, courierKeyId);

  constructor(private readonly db: PostgresContext) {}

  async createCourier(record: CourierRecord): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO couriers (tenant_id, id, name, phone, vehicle, active, created_at, last_location, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant_id, id) DO NOTHING`,
      [
        record.tenant_id,
        record.id,
        record.name,
        record.phone,
        record.vehicle,
        record.active,
        record.created_at,
        record.last_location === null ? null : JSON.stringify(record.last_location),
        record.last_location?.at ?? null,
      ],
    );
    return (rowCount ?? 0) > 0;
  }

  getCourier(tenantId: string, courierId: string): Promise<CourierRecord | null> {
    return this.reads.load({ tenantId, courierId });
  }

  async listCouriers(tenantId: string, query: { active?: boolean; limit: number; after?: string }): Promise<CourierPage> {
    const { rows } = await this.db.query<CourierRecord>(
      `SELECT ${COURIER_COLUMNS} FROM couriers WHERE tenant_id = $1 AND id COLLATE "C" > $2 AND ($3::boolean IS NULL OR active = $3)
       ORDER BY id COLLATE "C" LIMIT $4`,
      [tenantId, query.after ?? '', query.active ?? null, query.limit + 1],
    );
    const items = rows.slice(0, query.limit);
    return { items, next: rows.length > query.limit ? items[items.length - 1]!.id : null };
  }

  async updateCourier(tenantId: string, courierId: string, changes: CourierChanges): Promise<CourierRecord | null> {
    const given = definedFields(changes);
    // Column names come from this fixed list only, never from the caller's keys.
    const fields = CHANGEABLE.filter((field) => field in given);
    if (fields.length === 0) return this.getCourier(tenantId, courierId);
    const sets = fields.map((field, index) => `${field} = $${index + 3}`).join(', ');
    const { rows } = await this.db.query<CourierRecord>(
      `UPDATE couriers SET ${sets} WHERE tenant_id = $1 AND id = $2 RETURNING ${COURIER_COLUMNS}`,
      [tenantId, courierId, ...fields.map((field) => given[field])],
    );
    return rows[0] ?? null;
  }

  async listInactiveCouriers(): Promise<Array<{ tenant_id: string; courier_id: string }>> {
    const { rows } = await this.db.query<{ tenant_id: string; courier_id: string }>('SELECT tenant_id, id AS courier_id FROM couriers WHERE NOT active');
    return rows;
  }

  async recordSightings(sightings: readonly CourierSighting[]): Promise<void> {
    if (sightings.length === 0) return;
    // One statement for the batch; an older sighting never replaces a newer one.
    await this.db.query(
      `UPDATE couriers c SET last_location = s.location, last_seen_at = s.at
       FROM (SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::timestamptz[]) AS u(tenant_id, courier_id, location, at)) s
       WHERE c.tenant_id = s.tenant_id AND c.id = s.courier_id AND (c.last_seen_at IS NULL OR c.last_seen_at < s.at)`,
      [
        sightings.map((s) => s.tenant_id),
        sightings.map((s) => s.courier_id),
        sightings.map((s) => JSON.stringify(s.location)),
        sightings.map((s) => s.location.at),
      ],
    );
  }

  async activeOrderCounts(tenantId: string, courierIds: readonly string[]): Promise<Record<string, number>> {
    if (courierIds.length === 0) return {};
    const { rows } = await this.db.query<{ courier_id: string; n: number }>(
      `SELECT courier_id, COUNT(*)::int AS n FROM orders
       WHERE tenant_id = $1 AND courier_id = ANY($2::text[]) AND status NOT IN (${sqlStatuses(...TERMINAL_STATUSES)})
       GROUP BY courier_id`,
      [tenantId, [...courierIds]],
    );
    return Object.fromEntries(rows.map((row) => [row.courier_id, row.n]));
  }

  async createInvite(invite: CourierInvite): Promise<void> {
    await this.db.query('DELETE FROM courier_invites WHERE expires_at <= $1', [invite.created_at]);
    await this.db.query(
      'INSERT INTO courier_invites (code_hash, tenant_id, courier_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [invite.code_hash, invite.tenant_id, invite.courier_id, invite.created_at, invite.expires_at],
    );
  }

  async consumeInvite(codeHash: string, nowIso: string): Promise<{ tenant_id: string; courier_id: string } | null> {
    // One statement deletes and answers: of two spends, the second finds nothing.
    const { rows } = await this.db.query<{ tenant_id: string; courier_id: string }>(
      'DELETE FROM courier_invites WHERE code_hash = $1 AND expires_at > $2 RETURNING tenant_id, courier_id',
      [codeHash, nowIso],
    );
    return rows[0] ?? null;
  }
}

function courierKeyId({ tenantId, courierId }: CourierKey): string {
  return `${tenantId}\u0000${courierId}`;
}

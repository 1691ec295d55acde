import type { Database } from 'better-sqlite3';
import type { Location } from '../../domain/order';
import { TERMINAL_STATUSES } from '../../domain/status';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import { sqlStatuses } from '../sql-statuses';
import { definedFields, type CourierChanges, type CourierInvite, type CourierPage, type CourierRecord, type CourierRecords, type CourierSighting } from './port';

/** Couriers' records and invites in the embedded store's `couriers` and `courier_invites` tables. */
export class SqliteCourierRecords implements CourierRecords {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  createCourier(record: CourierRecord): Promise<boolean> {
    return this.context.write(() => this.stmt().insert.run(recordToRow(record)).changes > 0);
  }

  getCourier(tenantId: string, courierId: string): Promise<CourierRecord | null> {
    return this.context.read(() => {
      const row = this.stmt().get.get(tenantId, courierId) as CourierRow | undefined;
      return row ? rowToRecord(row) : null;
    });
  }

  listCouriers(tenantId: string, query: { active?: boolean; limit: number; after?: string }): Promise<CourierPage> {
    return this.context.read(() => {
      const active = query.active === undefined ? null : query.active ? 1 : 0;
      const rows = this.stmt().list.all(tenantId, query.after ?? '', active, active, query.limit + 1) as CourierRow[];
      const items = rows.slice(0, query.limit).map(rowToRecord);
      return { items, next: rows.length > query.limit ? items[items.length - 1]!.id : null };
    });
  }

  updateCourier(tenantId: string, courierId: string, changes: CourierChanges): Promise<CourierRecord | null> {
    // Read and written in one transaction: a change merges with the latest row.
    return this.context.write(() => {
      const stmt = this.stmt();
      const row = stmt.get.get(tenantId, courierId) as CourierRow | undefined;
      if (!row) return null;
      const merged = { ...rowToRecord(row), ...definedFields(changes) };
      stmt.put.run(recordToRow(merged));
      return merged;
    });
  }

  listInactiveCouriers(): Promise<Array<{ tenant_id: string; courier_id: string }>> {
    return this.context.read(() => this.stmt().inactive.all() as Array<{ tenant_id: string; courier_id: string }>);
  }

  recordSightings(sightings: readonly CourierSighting[]): Promise<void> {
    if (sightings.length === 0) return Promise.resolve();
    return this.context.write(() => {
      const { sight } = this.stmt();
      for (const { tenant_id, courier_id, location } of sightings) {
        sight.run({ tenant_id, courier_id, location: JSON.stringify(location), at: location.at });
      }
    });
  }

  activeOrderCounts(tenantId: string, courierIds: readonly string[]): Promise<Record<string, number>> {
    if (courierIds.length === 0) return Promise.resolve({});
    return this.context.read(() => {
      const counts: Record<string, number> = {};
      const { count } = this.stmt();
      // One indexed count per courier (orders_by_courier); a page holds at most a few hundred.
      for (const courierId of new Set(courierIds)) {
        const { n } = count.get(tenantId, courierId) as { n: number };
        if (n > 0) counts[courierId] = n;
      }
      return counts;
    });
  }

  createInvite(invite: CourierInvite): Promise<void> {
    return this.context.write(() => {
      const stmt = this.stmt();
      stmt.pruneInvites.run(invite.created_at);
      stmt.insertInvite.run(invite);
    });
  }

  consumeInvite(codeHash: string, nowIso: string): Promise<{ tenant_id: string; courier_id: string } | null> {
    // One statement deletes and answers: of two spends, the second finds nothing.
    return this.context.write(() => {
      const row = this.stmt().consume.get(codeHash, nowIso) as { tenant_id: string; courier_id: string } | undefined;
      return row ?? null;
    });
  }
}

interface CourierRow {
  tenant_id: string;
  id: string;
  name: string;
  phone: string | null;
  vehicle: string | null;
  active: number;
  created_at: string;
  last_location: string | null;
  last_seen_at: string | null;
}

function recordToRow(record: CourierRecord): CourierRow {
  return {
    tenant_id: record.tenant_id,
    id: record.id,
    name: record.name,
    phone: record.phone,
    vehicle: record.vehicle,
    active: record.active ? 1 : 0,
    created_at: record.created_at,
    last_location: record.last_location ? JSON.stringify(record.last_location) : null,
    last_seen_at: record.last_location?.at ?? null,
  };
}

function rowToRecord(row: CourierRow): CourierRecord {
  return {
    tenant_id: row.tenant_id,
    id: row.id,
    name: row.name,
    phone: row.phone,
    vehicle: row.vehicle,
    active: row.active === 1,
    created_at: row.created_at,
    last_location: row.last_location ? (JSON.parse(row.last_location) as Location) : null,
  };
}

function prepare(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO couriers (tenant_id, id, name, phone, vehicle, active, created_at, last_location, last_seen_at)
       VALUES (@tenant_id, @id, @name, @phone, @vehicle, @active, @created_at, @last_location, @last_seen_at)
       ON CONFLICT (tenant_id, id) DO NOTHING`,
    ),
    get: db.prepare('SELECT * FROM couriers WHERE tenant_id = ? AND id = ?'),
    list: db.prepare('SELECT * FROM couriers WHERE tenant_id = ? AND id > ? AND (? IS NULL OR active = ?) ORDER BY id LIMIT ?'),
    put: db.prepare(
      `UPDATE couriers SET name = @name, phone = @phone, vehicle = @vehicle, active = @active
       WHERE tenant_id = @tenant_id AND id = @id`,
    ),
    inactive: db.prepare('SELECT tenant_id, id AS courier_id FROM couriers WHERE active = 0'),
    // ISO UTC times with milliseconds compare as text: an older sighting never replaces a newer one.
    sight: db.prepare(
      `UPDATE couriers SET last_location = @location, last_seen_at = @at
       WHERE tenant_id = @tenant_id AND id = @courier_id AND (last_seen_at IS NULL OR last_seen_at < @at)`,
    ),
    count: db.prepare(
      `SELECT COUNT(*) AS n FROM orders WHERE tenant_id = ? AND courier_id = ? AND status NOT IN (${sqlStatuses(...TERMINAL_STATUSES)})`,
    ),
    pruneInvites: db.prepare('DELETE FROM courier_invites WHERE expires_at <= ?'),
    insertInvite: db.prepare(
      `INSERT INTO courier_invites (code_hash, tenant_id, courier_id, created_at, expires_at)
       VALUES (@code_hash, @tenant_id, @courier_id, @created_at, @expires_at)`,
    ),
    consume: db.prepare('DELETE FROM courier_invites WHERE code_hash = ? AND expires_at > ? RETURNING tenant_id, courier_id'),
  };
}

import type { Database } from 'better-sqlite3';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import type { DeviceDirectory, StoredDevice } from './port';

/** Couriers' devices in the embedded store's `courier_devices` table. */
export class SqliteDeviceDirectory implements DeviceDirectory {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  createDevice(device: StoredDevice): Promise<void> {
    return this.context.write(() => {
      this.stmt().insert.run(device);
    });
  }

  listDevices(tenantId: string, courierId: string): Promise<StoredDevice[]> {
    return this.context.read(() => this.stmt().list.all(tenantId, courierId) as StoredDevice[]);
  }

  findDeviceByKeyHash(keyHash: string): Promise<StoredDevice | null> {
    return this.context.read(() => (this.stmt().byKey.get(keyHash) as StoredDevice | undefined) ?? null);
  }

  deleteDevice(tenantId: string, courierId: string, deviceId: string): Promise<StoredDevice | null> {
    // One statement deletes and answers: of two removals, the second finds nothing.
    return this.context.write(() => (this.stmt().remove.get(deviceId, tenantId, courierId) as StoredDevice | undefined) ?? null);
  }
}

const COLUMNS = 'id, tenant_id, courier_id, protocol, name, key_hash, created_at';

function prepare(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO courier_devices (${COLUMNS}) VALUES (@id, @tenant_id, @courier_id, @protocol, @name, @key_hash, @created_at)`,
    ),
    list: db.prepare(`SELECT ${COLUMNS} FROM courier_devices WHERE tenant_id = ? AND courier_id = ? ORDER BY created_at, id`),
    byKey: db.prepare(`SELECT ${COLUMNS} FROM courier_devices WHERE key_hash = ?`),
    remove: db.prepare(`DELETE FROM courier_devices WHERE id = ? AND tenant_id = ? AND courier_id = ? RETURNING ${COLUMNS}`),
  };
}

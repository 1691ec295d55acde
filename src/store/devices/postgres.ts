import type { PostgresContext } from '../postgres/context';
import type { DeviceDirectory, StoredDevice } from './port';

const COLUMNS = 'id, tenant_id, courier_id, protocol, name, key_hash, created_at';

/** Couriers' devices on PostgreSQL. */
export class PostgresDeviceDirectory implements DeviceDirectory {
  constructor(private readonly db: PostgresContext) {}

  async createDevice(device: StoredDevice): Promise<void> {
    await this.db.query(`INSERT INTO courier_devices (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      device.id,
      device.tenant_id,
      device.courier_id,
      device.protocol,
      device.name,
      device.key_hash,
      device.created_at,
    ]);
  }

  async listDevices(tenantId: string, courierId: string): Promise<StoredDevice[]> {
    const { rows } = await this.db.query<StoredDevice>(
      `SELECT ${COLUMNS} FROM courier_devices WHERE tenant_id = $1 AND courier_id = $2 ORDER BY created_at, id COLLATE "C"`,
      [tenantId, courierId],
    );
    return rows;
  }

  async findDeviceByKeyHash(keyHash: string): Promise<StoredDevice | null> {
    const { rows } = await this.db.query<StoredDevice>(`SELECT ${COLUMNS} FROM courier_devices WHERE key_hash = $1`, [keyHash]);
    return rows[0] ?? null;
  }

  async deleteDevice(tenantId: string, courierId: string, deviceId: string): Promise<StoredDevice | null> {
    // One statement deletes and answers: of two removals, the second finds nothing.
    const { rows } = await this.db.query<StoredDevice>(
      `DELETE FROM courier_devices WHERE id = $1 AND tenant_id = $2 AND courier_id = $3 RETURNING ${COLUMNS}`,
      [deviceId, tenantId, courierId],
    );
    return rows[0] ?? null;
  }
}

import type { MongoContext } from '../mongo/context';
import type { DeviceDocument } from './mongo-document';
import type { DeviceDirectory, StoredDevice } from './port';

/** Couriers' devices on MongoDB, one document each. */
export class MongoDeviceDirectory implements DeviceDirectory {
  constructor(private readonly db: Pick<MongoContext, 'devices' | 'run'>) {}

  createDevice(device: StoredDevice): Promise<void> {
    return this.db.run(async () => {
      const { id, ...rest } = device;
      await this.db.devices.insertOne({ _id: id, ...rest });
    });
  }

  listDevices(tenantId: string, courierId: string): Promise<StoredDevice[]> {
    return this.db.run(async () => {
      const docs = await this.db.devices.find({ tenant_id: tenantId, courier_id: courierId }, { sort: { created_at: 1, _id: 1 } }).toArray();
      return docs.map(documentToDevice);
    });
  }

  findDeviceByKeyHash(keyHash: string): Promise<StoredDevice | null> {
    return this.db.run(async () => {
      const doc = await this.db.devices.findOne({ key_hash: keyHash });
      return doc ? documentToDevice(doc) : null;
    });
  }

  deleteDevice(tenantId: string, courierId: string, deviceId: string): Promise<StoredDevice | null> {
    return this.db.run(async () => {
      const filter = { _id: deviceId, tenant_id: tenantId, courier_id: courierId };
      const doc = await this.db.devices.findOne(filter);
      if (!doc) return null;
      // Of two removals, the one whose delete took the document answers it.
      const { deletedCount } = await this.db.devices.deleteOne(filter);
      return deletedCount > 0 ? documentToDevice(doc) : null;
    });
  }
}

function documentToDevice(doc: DeviceDocument): StoredDevice {
  return {
    id: doc._id,
    tenant_id: doc.tenant_id,
    courier_id: doc.courier_id,
    protocol: doc.protocol,
    name: doc.name,
    key_hash: doc.key_hash,
    created_at: doc.created_at,
  };
}

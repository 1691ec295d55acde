import type { StoredDevice } from './port';

/** A courier's device; `_id` is its id, and its key hash is unique (index `courier_devices_by_key`). */
export type DeviceDocument = Omit<StoredDevice, 'id'> & { _id: string };

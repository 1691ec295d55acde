import type { DeviceProtocol } from '../../domain/device-setup';

export type { DeviceProtocol };

/**
 * A device of a courier: an app or tracker whose positions are the courier's own. Its key is the device's only
 * credential and is kept as its SHA-256 alone (shown once, when the device is added).
 */
export interface StoredDevice {
  /** The device's id in the API (`dvc_…`); never a credential. */
  id: string;
  tenant_id: string;
  courier_id: string;
  protocol: DeviceProtocol;
  name: string | null;
  /** SHA-256 (hex) of the key handed out. */
  key_hash: string;
  created_at: string;
}

/** Couriers' devices, found by their key's hash when a position comes in. */
export interface DeviceDirectory {
  /** Stores a new device (its id and key hash are fresh). */
  createDevice(device: StoredDevice): Promise<void>;
  /** The courier's devices, oldest first. */
  listDevices(tenantId: string, courierId: string): Promise<StoredDevice[]>;
  /** The device holding this key hash; null when none does (never was, or removed). */
  findDeviceByKeyHash(keyHash: string): Promise<StoredDevice | null>;
  /** Removes the courier's device; the device removed (for its key hash), or null when the courier has none of that id. */
  deleteDevice(tenantId: string, courierId: string, deviceId: string): Promise<StoredDevice | null>;
}

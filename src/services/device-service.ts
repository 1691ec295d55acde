import type { DeviceKeys } from '../auth/device-keys';
import { hashDeviceKey } from '../auth/device-keys';
import type { InactiveCouriers } from '../auth/inactive-couriers';
import { isNoFix, type DeviceFix } from '../domain/device-fix';
import { deviceSetup, type DeviceProtocol, type DeviceSetup } from '../domain/device-setup';
import { LimitReachedError, NotFoundError } from '../domain/errors';
import { newId, newSecret } from '../domain/ids';
import type { CourierRecords } from '../store/couriers/port';
import type { DeviceDirectory, StoredDevice } from '../store/devices/port';
import type { CourierService } from './courier-service';
import type { CredentialService } from './credential-service';

export type { DeviceFix } from '../domain/device-fix';

/** A device as the API lists it (its key is shown once, when it is added). */
export type DeviceView = Pick<StoredDevice, 'id' | 'protocol' | 'name' | 'created_at'>;

/** A device just added: its key, shown here only, and how to set its app or tracker up with it. */
export type AddedDevice = DeviceView & { key: string; setup: DeviceSetup };

/** What a message from a device came to. */
export interface IngestResult {
  /** `taken`: the key is a device's (its fixes went the courier's way); `unknown_key`: no device has it now. */
  outcome: 'taken' | 'unknown_key';
  /** The fixes kept: not "no fix" (0,0), newer than the device's last kept one and at least a second after it. */
  kept: number;
}

/**
 * Decides which of a device's fixes are kept: each at least a second (`FIX_SPACING_MS`) after the one kept before it,
 * on any node (see `domain/device-fix.ts` `admitFixTimes`).
 */
export interface FixGate {
  /**
   * Of a device's fix times (epoch ms), those kept, ascending: they count as the device's while the caller records
   * them, and once settled only those recorded do.
   * @throws FixesBeingRecordedError when the times repeat fixes being recorded now (another delivery of the message)
   */
  admit(deviceId: string, times: readonly number[]): Promise<FixAdmission>;
}

/** Fixes a gate kept, for the caller to record and then settle. */
export interface FixAdmission {
  /** Ascending; recorded oldest first. */
  readonly kept: number[];
  /**
   * Says how many of `kept` (the oldest) were recorded: only those count as kept from now on, the rest as never seen
   * (taken when the device sends them again). Called once, also when none was recorded; never rejects.
   */
  settle(recorded: number): Promise<void>;
}

export interface DeviceServiceOptions {
  store: { devices: Pick<DeviceDirectory, 'createDevice' | 'listDevices' | 'deleteDevice'>; couriers: Pick<CourierRecords, 'getCourier'> };
  /** The courier position path the kept fixes take (pushed, ETA, arrival, `last_location`). */
  couriers: Pick<CourierService, 'record'>;
  /** This node's device keys (found by hash, cached, forgotten cluster-wide on removal). */
  keys: Pick<DeviceKeys, 'find'>;
  /** Tells every node a removed device's key is refused. */
  credentials: Pick<CredentialService, 'forgetDeviceKey'>;
  /** Inactive couriers: their devices' positions are refused like their tokens (API.md "Courier records"). */
  inactiveCouriers: Pick<InactiveCouriers, 'has'>;
  /** Which fixes are kept (one a second per device, across the cluster). */
  gate: FixGate;
  /**
   * Devices a courier may have at once: a phone app or two and a tracker in the van, with room to spare.
   * @default 20
   */
  maxPerCourier?: number;
  /** @default () => new Date() */
  now?: () => Date;
}

/**
 * Couriers' devices (API.md "Devices"): the apps and trackers a courier already has, each with a key of its own
 * (hashed at rest, shown once, refused on every node at once when the device is removed), and the intake of their
 * positions, which take exactly the courier's own way (`CourierService.record`): pushed to watchers, ETA,
 * arrival, `last_location`. A device's fixes are deduplicated by time and thinned to one a second.
 */
export class DeviceService {
  private readonly now: () => Date;
  private readonly maxPerCourier: number;

  constructor(private readonly options: DeviceServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.maxPerCourier = options.maxPerCourier ?? 20;
    if (!(this.maxPerCourier >= 1)) throw new RangeError('DeviceService: maxPerCourier must be >= 1');
  }

  /**
   * Adds a device to a courier; its key is returned here only (the store keeps its hash), with the set-up for its
   * protocol, whose addresses start with `publicUrl`.
   * @throws NotFoundError when the tenant has no courier record of that id, LimitReachedError past the limit
   */
  async create(tenantId: string, courierId: string, input: { protocol: DeviceProtocol; name?: string }, publicUrl: string): Promise<AddedDevice> {
    const existing = await this.devicesOf(tenantId, courierId);
    if (existing.length >= this.maxPerCourier) throw new LimitReachedError('devices', this.maxPerCourier, 'courier');
    const createdAt = this.now();
    const key = newSecret('dev');
    const device: StoredDevice = {
      id: newId('dvc', createdAt.getTime()),
      tenant_id: tenantId,
      courier_id: courierId,
      protocol: input.protocol,
      name: input.name ?? null,
      key_hash: hashDeviceKey(key),
      created_at: createdAt.toISOString(),
    };
    await this.options.store.devices.createDevice(device);
    return { ...view(device), key, setup: deviceSetup(device.protocol, { key, id: device.id, courierId, publicUrl }) };
  }

  /**
   * The courier's devices, oldest first, without their keys.
   * @throws NotFoundError when the tenant has no courier record of that id
   */
  async list(tenantId: string, courierId: string): Promise<DeviceView[]> {
    return (await this.devicesOf(tenantId, courierId)).map(view);
  }

  /**
   * Removes a courier's device: its key is refused on every node before this resolves.
   * @throws NotFoundError when the courier has no device of that id
   */
  async remove(tenantId: string, courierId: string, deviceId: string): Promise<void> {
    // Removed from the store first: a node that misses the announcement asks the store once its cache lapses.
    const removed = await this.options.store.devices.deleteDevice(tenantId, courierId, deviceId);
    if (!removed) throw new NotFoundError('device');
    await this.options.credentials.forgetDeviceKey(removed.key_hash);
  }

  /** The device a key belongs to, while it may send: null for an unknown or removed key, or an inactive courier's. */
  async identify(key: string): Promise<StoredDevice | null> {
    const device = await this.options.keys.find(key);
    if (!device || this.options.inactiveCouriers.has(device.tenant_id, device.courier_id)) return null;
    return device;
  }

  /**
   * A message's fixes from the device holding `key` (the MQTT intake's entry): taken the courier's way, or
   * `unknown_key` when no device may send with it.
   * @throws FixesBeingRecordedError (the message repeats fixes being recorded now), or what recording them threw
   */
  async ingest(key: string, fixes: readonly DeviceFix[]): Promise<IngestResult> {
    const device = await this.identify(key);
    if (!device) return { outcome: 'unknown_key', kept: 0 };
    return { outcome: 'taken', kept: await this.take(device, fixes, 'mqtt') };
  }

  /**
   * An identified device's fixes, as its protocol's intake (`source`) took them: "no fix" (0,0) dropped, then those the gate keeps (newer than the last kept, one a
   * second) handed to the courier's position path, oldest first. How many were kept. A fix whose recording failed
   * (the store or the actors down: the error is thrown, an app sends the message again) does not count as kept.
   * @throws FixesBeingRecordedError when the message repeats fixes another delivery of it is recording now
   */
  async take(device: Pick<StoredDevice, 'id' | 'tenant_id' | 'courier_id'>, fixes: readonly DeviceFix[], source: DeviceProtocol): Promise<number> {
    const byTime = new Map<number, DeviceFix>();
    for (const fix of fixes) {
      const atMs = Date.parse(fix.at);
      // Of fixes with the same time, the first stands (the gate keeps one of them at most anyway).
      if (!isNoFix(fix) && Number.isFinite(atMs) && !byTime.has(atMs)) byTime.set(atMs, fix);
    }
    if (byTime.size === 0) return 0;
    const admission = await this.options.gate.admit(device.id, [...byTime.keys()]);
    if (admission.kept.length === 0) return 0;
    // One at a time, as CourierService.recordMany does, so that the gate learns how far a failed recording came.
    let recorded = 0;
    try {
      for (const atMs of admission.kept) {
        await this.options.couriers.record(device.tenant_id, device.courier_id, toPosition(byTime.get(atMs)!), source);
        recorded++;
      }
    } finally {
      await admission.settle(recorded);
    }
    return recorded;
  }

  /** @throws NotFoundError when the tenant has no courier record of that id */
  private async devicesOf(tenantId: string, courierId: string): Promise<StoredDevice[]> {
    if (!(await this.options.store.couriers.getCourier(tenantId, courierId))) throw new NotFoundError('courier');
    return this.options.store.devices.listDevices(tenantId, courierId);
  }
}

function view(device: StoredDevice): DeviceView {
  return { id: device.id, protocol: device.protocol, name: device.name, created_at: device.created_at };
}

/** A fix as the courier's position path takes it (the fields a courier's own position has). */
function toPosition(fix: DeviceFix): { lat: number; lng: number; at: string; speed?: number; heading?: number } {
  return {
    lat: fix.lat,
    lng: fix.lng,
    at: fix.at,
    ...(fix.speed_mps !== undefined ? { speed: fix.speed_mps } : {}),
    ...(fix.heading !== undefined ? { heading: fix.heading } : {}),
  };
}

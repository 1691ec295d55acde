import type { Location } from '../../domain/order';

/**
 * A courier's record (API.md "Courier records"). Optional: a courier token for an id without one works all the same;
 * the record adds a name and phone for the dashboard, the active flag, and the latest position the courier reported.
 */
export interface CourierRecord {
  tenant_id: string;
  id: string;
  name: string;
  phone: string | null;
  vehicle: string | null;
  /** false: every token of the courier is refused and no order may be assigned to it. */
  active: boolean;
  created_at: string;
  /** The newest position the courier reported (its `at` is when it was last seen); null: none yet. */
  last_location: Location | null;
}

/** What `PATCH /v1/couriers/:id` may change; an absent field stays. */
export interface CourierChanges {
  name?: string;
  phone?: string | null;
  vehicle?: string | null;
  active?: boolean;
}

/** The changes that were given (an absent field stays as it is). */
export function definedFields(changes: CourierChanges): CourierChanges {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
}

/** A page of a tenant's couriers, by id. */
export interface CourierPage {
  items: CourierRecord[];
  /** The last id of this page, when more may follow. */
  next: string | null;
}

/** A one-time sign-in for the courier app: only the hash of its code is kept. */
export interface CourierInvite {
  /** SHA-256 (hex) of the code handed out. */
  code_hash: string;
  tenant_id: string;
  courier_id: string;
  created_at: string;
  expires_at: string;
}

/** A courier's newest position, to keep on its record. */
export interface CourierSighting {
  tenant_id: string;
  courier_id: string;
  location: Location;
}

/** Couriers' records and the invites that sign them in. */
export interface CourierRecords {
  /** Stores a new record; false when the tenant has one of that id already (nothing changes). */
  createCourier(record: CourierRecord): Promise<boolean>;
  getCourier(tenantId: string, courierId: string): Promise<CourierRecord | null>;
  /** The tenant's couriers by id ascending, after `after`, only those of `active` when given. */
  listCouriers(tenantId: string, query: { active?: boolean; limit: number; after?: string }): Promise<CourierPage>;
  /** Applies the changes; the record after them, or null when there is none. */
  updateCourier(tenantId: string, courierId: string, changes: CourierChanges): Promise<CourierRecord | null>;
  /** Every inactive courier of every tenant (few; every node holds them in memory, see `InactiveCouriers`). */
  listInactiveCouriers(): Promise<Array<{ tenant_id: string; courier_id: string }>>;
  /**
   * Keeps each sighting as its courier's `last_location`, unless the record holds a later one; a courier without a
   * record is skipped.
   */
  recordSightings(sightings: readonly CourierSighting[]): Promise<void>;
  /** By courier id, how many of the tenant's orders assigned to it are not in a terminal status (absent: none). */
  activeOrderCounts(tenantId: string, courierIds: readonly string[]): Promise<Record<string, number>>;
  /** Stores an invite (and drops invites that expired, anyone's). */
  createInvite(invite: CourierInvite): Promise<void>;
  /**
   * Spends the invite of this code hash if it is unexpired at `nowIso`: atomically, so of concurrent spends exactly
   * one gets the courier. Null: unknown, used or expired.
   */
  consumeInvite(codeHash: string, nowIso: string): Promise<{ tenant_id: string; courier_id: string } | null>;
}

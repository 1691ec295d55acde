import type { Location } from '../../domain/order';

/** A courier's record; `_id` is JSON of [tenant, courier id], which carries its uniqueness. */
export interface CourierDocument {
  _id: string;
  tenant_id: string;
  id: string;
  name: string;
  phone: string | null;
  vehicle: string | null;
  active: boolean;
  created_at: string;
  last_location: Location | null;
  last_seen_at: string | null;
}

/** A courier invite; `_id` is the SHA-256 of its code. */
export interface CourierInviteDocument {
  _id: string;
  tenant_id: string;
  courier_id: string;
  created_at: string;
  expires_at: string;
  /** Spent (deleted right after; set first so that of two spends only one finds it unspent). */
  used?: boolean;
}

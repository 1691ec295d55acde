import type { CourierRecord } from './port';

/** A courier's record; `_id` is JSON of [tenant, courier id], which carries its uniqueness. */
export type CourierDocument = CourierRecord & {
  _id: string;
  /** When its `last_location` was reported, as a field of its own: an update's filter refuses an older sighting. */
  last_seen_at: string | null;
};

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

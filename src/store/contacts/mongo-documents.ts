import type { ContactKind } from '../../domain/contact';
import type { CodePurpose, ContactCode } from './port';

/**
 * A customer's own addresses, one document per (tenant, customer): those it set itself (each entry stamped with the
 * write that put it, so a replacement adds the new entries before it drops the old and a reader never sees neither)
 * and those it confirmed.
 */
export interface ContactsDocument {
  /** `tupleId(tenant_id, customer_id)`. */
  _id: string;
  tenant_id: string;
  customer_id: string;
  self_set: Array<{ scope: string; kind: ContactKind; address: string; mark: string }>;
  confirmed: Array<{ kind: ContactKind; address: string; confirmed_at: string }>;
}

/** A code sent to an address (hashed). */
export type ContactCodeDocument = Omit<ContactCode, 'id' | 'purpose'> & {
  _id: string;
  /** Absent: a confirmation code (written before sign-in codes). */
  purpose?: CodePurpose;
  tries: number;
  spent: boolean;
};

/**
 * When codes of one purpose went to an address within the rate window, one document per (tenant, purpose, kind,
 * address): a new code is a push guarded by the array's length, one atomic update, so concurrent issues never pass
 * the limit.
 */
export interface ContactSendsDocument {
  /** `tupleId(tenant_id, kind, address)` for confirmation codes, `tupleId(tenant_id, kind, address, purpose)` for others. */
  _id: string;
  tenant_id: string;
  sent: string[];
  /** The latest of `sent` (what pruning looks at). */
  last: string;
}

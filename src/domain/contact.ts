/**
 * Contact addresses a customer sets itself (API.md "Customer portal"): an address typed by the customer is not used
 * for alerts until a code sent to it came back, so a customer cannot make the tenant mail or text anyone it likes.
 * Addresses the business or its staff set are trusted as they are.
 */

/** An email address or a phone number (E.164), as the API names them. */
export type ContactKind = 'email' | 'phone';

export interface ContactAddress {
  kind: ContactKind;
  /** Normalised ({@link normalAddress}). */
  address: string;
}

/** Where an alert found an address: the customer's preferences, or the order it is about. */
export type AddressSource = 'preferences' | 'order';

/** What decides whether a customer's addresses may be used: those it set itself and those it confirmed. */
export interface ContactStanding {
  /** Addresses the customer set itself in its preferences. */
  preferences: ContactAddress[];
  /** Addresses the customer set itself on the order (it placed the order). */
  order: ContactAddress[];
  /** Addresses the customer proved it receives (a code sent there came back). */
  confirmed: ContactAddress[];
}

/** The preferences' scope of self-set addresses; an order's is its id. */
export const PREFERENCES_SCOPE = 'preferences';

/**
 * The form addresses are compared and kept in: an email without surrounding space and in lower case (mailboxes do
 * not tell `Ada@x` from `ada@x`, so confirming one confirms both), a phone number as given (E.164 already).
 */
export function normalAddress(kind: ContactKind, address: string): string {
  return kind === 'email' ? address.trim().toLowerCase() : address.trim();
}

/** The addresses of a customer record or preferences, normalised (those not set left out). */
export function addressesOf(contact: { email?: string | null; phone?: string | null }): ContactAddress[] {
  const found: ContactAddress[] = [];
  if (contact.email) found.push({ kind: 'email', address: normalAddress('email', contact.email) });
  if (contact.phone) found.push({ kind: 'phone', address: normalAddress('phone', contact.phone) });
  return found;
}

function holds(list: ContactAddress[], kind: ContactKind, address: string): boolean {
  const normal = normalAddress(kind, address);
  return list.some((entry) => entry.kind === kind && entry.address === normal);
}

/**
 * Whether an alert may go to `address`, found at `source`: yes unless the customer set it there itself and has not
 * confirmed that exact address.
 */
export function mayAlert(standing: ContactStanding, source: AddressSource, kind: ContactKind, address: string): boolean {
  return !holds(standing[source], kind, address) || holds(standing.confirmed, kind, address);
}

/** Whether the customer confirmed `address`. */
export function isConfirmed(standing: Pick<ContactStanding, 'confirmed'>, kind: ContactKind, address: string): boolean {
  return holds(standing.confirmed, kind, address);
}

import type { ContactAddress, ContactKind, ContactStanding } from '../../domain/contact';

/**
 * Customers' own contact addresses (API.md "Customer portal"): the addresses a customer set itself (in its preferences,
 * on an order it placed), the addresses it confirmed, and the codes sent to its addresses, to confirm one or to sign in
 * to the portal. Codes are kept hashed; a code serves only its own purpose.
 */
export interface ContactBook {
  /**
   * What decides whether alerts about `orderId` may use the customer's addresses: the addresses it set itself in its
   * preferences and on that order (none without an order), and those it confirmed.
   */
  contactStanding(tenantId: string, customerId: string, orderId: string | null): Promise<ContactStanding>;
  /**
   * Records the addresses the customer set itself at `scope` (`preferences`, or an order's id), replacing what that
   * scope held; an empty list forgets the scope.
   */
  putSelfSet(tenantId: string, customerId: string, scope: string, addresses: ContactAddress[]): Promise<void>;
  /**
   * Keeps a new code for its address unless `window.max` codes of its purpose went to that address (in the tenant,
   * whoever asked) since `window.since`; a new code replaces the earlier ones of its purpose for that address (see
   * {@link tryCode}, {@link trySignInCode}). Atomic: of concurrent issues, at most `window.max` are kept.
   */
  issueCode(code: ContactCode, window: { since: string; max: number }): Promise<IssueResult>;
  /**
   * Spends one try of the customer's latest confirmation code for the address (the count moves on before the code is
   * compared, so concurrent tries are all counted) and resolves with it after the try; null when there is no such
   * code or it was used.
   */
  tryCode(tenantId: string, customerId: string, kind: ContactKind, address: string): Promise<CodeTry | null>;
  /**
   * Uses a confirmation code up and records its address as confirmed for its customer; false when it was already used
   * (a concurrent confirmation won) or is not a confirmation code.
   */
  confirmCode(codeId: string, confirmedAt: string): Promise<boolean>;
  /**
   * Spends one try of the latest sign-in code sent to the address in the tenant (whichever customer it went to), as
   * {@link tryCode} does; null when there is none or it was used.
   */
  trySignInCode(tenantId: string, kind: ContactKind, address: string): Promise<SignInCodeTry | null>;
  /** Uses a sign-in code up; false when it was already used (a concurrent sign-in won) or is not a sign-in code. */
  spendSignInCode(codeId: string): Promise<boolean>;
  /** Forgets everything held about the customer's addresses (erasure); false when there was nothing. */
  eraseContacts(tenantId: string, customerId: string): Promise<boolean>;
  /** Forgets codes issued before `issuedBefore`, in every tenant (they serve nothing once out of the rate window). */
  pruneCodes(issuedBefore: string): Promise<void>;
  /** Forgets the self-set addresses of these orders (their personal data was erased). */
  forgetOrderContacts(tenantId: string, orderIds: string[]): Promise<void>;
  /** Forgets the tenant's confirmations made before `confirmedBefore` (its retention). */
  expireConfirmations(tenantId: string, confirmedBefore: string): Promise<void>;
}

/** What a code is for: confirming an address the customer set itself, or signing in to the portal. */
export type CodePurpose = 'confirm' | 'sign_in';

/** A code sent to an address, as kept. */
export interface ContactCode {
  id: string;
  purpose: CodePurpose;
  tenant_id: string;
  customer_id: string;
  kind: ContactKind;
  /** Normalised. */
  address: string;
  /** HMAC of the code (see the contact and customer session services); the code itself is never kept. */
  code_hash: string;
  issued_at: string;
  expires_at: string;
}

/** `issued: false`: the address's window is full; `oldest` is when the oldest code in it was issued. */
export type IssueResult = { issued: true } | { issued: false; oldest: string };

/** A code after one more try. */
export interface CodeTry {
  id: string;
  code_hash: string;
  expires_at: string;
  /** Tries made, this one included. */
  tries: number;
}

/** A sign-in code after one more try, with the customer it signs in. */
export interface SignInCodeTry extends CodeTry {
  customer_id: string;
}

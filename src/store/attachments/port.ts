/**
 * A proof-of-delivery picture (API.md "Proof of delivery"), or a tenant's logo, as the store keeps it. The bytes live
 * in the store itself, beside the orders, so erasure, the retention sweep and backups cover them like any other
 * personal data.
 */
export interface Attachment {
  id: string;
  tenant_id: string;
  content_type: 'image/jpeg' | 'image/png' | 'image/webp';
  /** Length of the stored (re-encoded) bytes. */
  bytes: number;
  /** Hex SHA-256 of the stored bytes: what a delivered event records as tamper evidence. */
  sha256: string;
  /** The uploader's principal scope (`principalScope`): only it may use the attachment in a proof. */
  uploader: string;
  /** The order whose proof uses it; null until a delivered event takes it. */
  order_id: string | null;
  /** The uploader's `Idempotency-Key`, if it sent one: a repeat answers the first attachment. */
  idempotency_key: string | null;
  created_at: string;
}

export type CreatedAttachment = { kind: 'created' | 'existing'; attachment: Attachment };

/** Attachments and their bytes. */
export interface AttachmentStore {
  /**
   * Keeps a new attachment and its bytes. With an idempotency key that the same uploader of the tenant used before,
   * keeps nothing and answers the earlier attachment (`existing`).
   */
  createAttachment(attachment: Attachment, data: Uint8Array): Promise<CreatedAttachment>;
  /** The attachment (without its bytes), or null when there is none of that id (whose it is, the caller checks). */
  getAttachment(id: string): Promise<Attachment | null>;
  /** The attachment's bytes, or null when there are none (erased). */
  readAttachment(id: string): Promise<Uint8Array | null>;
  /**
   * Links every one of `ids` to `orderId`, all or none: each must be the tenant's, uploaded by `uploader`, and not yet
   * used by another order (linking again to the same order is a no-op, so a replayed event still works). Resolves
   * with the linked attachments, or null when any of them could not be linked (nothing changed then).
   */
  linkAttachments(tenantId: string, uploader: string, ids: readonly string[], orderId: string): Promise<Attachment[] | null>;
  /**
   * Deletes (rows and bytes) up to `limit` attachments that no order uses, no tenant's branding names as its logo, and
   * that were uploaded before `createdBefore`: pictures of deliveries that never happened or whose proof was refused,
   * logos replaced by others. Resolves with how many
   * went (fewer than `limit`: none is left). One being linked at the same moment is either linked or gone, never both.
   * (A used attachment goes with its order's erasure: `PrivacyRecords`.)
   */
  eraseUnusedAttachments(createdBefore: string, limit: number): Promise<number>;
}

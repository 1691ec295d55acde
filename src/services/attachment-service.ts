import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import sharp from 'sharp';
import { NotFoundError, NotThatImageError, ProofRequiredError, ValidationError } from '../domain/errors';
import { newId } from '../domain/ids';
import { canReadOrder, principalScope, type Principal, type TenantPrincipal } from '../domain/principal';
import type { OrderEvent } from '../domain/order';
import { deliveredProofEvent, missingProof, proofAttachmentIds, proofView, type EventProof, type ProofInput, type ProofView } from '../domain/proof';
import { withDefaults, type TenantSettings } from '../domain/tenant-settings';
import { keptSettings, type TenantCache } from '../notifiers/tenant-cache';
import type { Attachment, AttachmentStore } from '../store/attachments/port';
import type { OrderLog } from '../store/orders/port';
import type { TenantDirectory } from '../store/tenants/port';

/** The image types an attachment may be, and the format sharp names each. */
export const ATTACHMENT_TYPES = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' } as const;
export type AttachmentType = keyof typeof ATTACHMENT_TYPES;

/** API.md: attachments up to 5 MiB. */
export const ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024;
// A phone photo is 4000-8000 px on its long side; 2048 keeps a proof legible at a fraction of the bytes.
const MAX_SIDE_PX = 2048;
// A signed link works this long: enough to show a page and its pictures, short enough that a leaked one dies soon.
const LINK_TTL_MS = 60 * 60 * 1000;
// Decompression bombs: a 5 MiB file may claim a billion pixels. 100 megapixels covers any phone camera.
const MAX_INPUT_PIXELS = 100_000_000;

export interface AttachmentServiceOptions {
  store: {
    attachments: AttachmentStore;
    orders: Pick<OrderLog, 'getOrder'>;
    tenants: Pick<TenantDirectory, 'getTenantSettings'>;
  };
  /** The node's token secret; links are signed with a key derived from it, so every node of a cluster checks them. */
  secret: string;
  /** Base of the links handed out (`PUBLIC_URL`); empty: links relative to the server. @default '' */
  linkBase?: string;
  /** @default the system clock */
  now?: () => Date;
}

/** An attachment's bytes as they are served. */
export interface AttachmentContent {
  attachment: Attachment;
  data: Buffer;
}

/**
 * Proof-of-delivery attachments: uploads re-encoded (rotated upright, every metadata stripped, at most 2048 px on the
 * long side) and kept in the store, links signed for an hour, and the proofs of deliveries checked and bound to them.
 */
export class AttachmentService {
  private readonly store: AttachmentServiceOptions['store'];
  private readonly key: Buffer;
  private readonly linkBase: string;
  private readonly now: () => Date;
  /** The tenants' `proof_required`, asked on every delivery: kept per node, forgotten on every node when it changes. */
  private readonly settings: TenantCache<TenantSettings | null>;

  constructor(options: AttachmentServiceOptions) {
    if (options.secret.length < 16) throw new RangeError('AttachmentService: secret must be at least 16 characters');
    this.store = options.store;
    this.settings = keptSettings(options.store.tenants);
    // A key of its own: the token secret itself keys nothing but tokens.
    this.key = createHmac('sha256', options.secret).update('attachment-links').digest();
    this.linkBase = (options.linkBase ?? '').replace(/\/+$/, '');
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Keeps an uploaded image: re-encoded in its own format, so nothing but pixels is kept (a phone photo's EXIF holds
   * where it was taken and with what). A repeat under the same idempotency key answers the first upload.
   * @throws NotThatImageError when the bytes are not an image of `contentType`
   */
  async upload(principal: TenantPrincipal, contentType: AttachmentType, body: Buffer, idempotencyKey: string | null): Promise<{ attachment: Attachment; created: boolean }> {
    const format = ATTACHMENT_TYPES[contentType];
    let stored: Buffer;
    try {
      const image = sharp(body, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' });
      const metadata = await image.metadata();
      if (metadata.format !== format) throw new NotThatImageError(contentType);
      stored = await image
        .rotate() // upright by its EXIF orientation, before the orientation is dropped with the rest
        .resize({ width: MAX_SIDE_PX, height: MAX_SIDE_PX, fit: 'inside', withoutEnlargement: true })
        .toFormat(format)
        .toBuffer();
    } catch (error) {
      if (error instanceof NotThatImageError) throw error;
      throw Object.assign(new NotThatImageError(contentType), { cause: error });
    }
    const now = this.now();
    const attachment: Attachment = {
      id: newId('att', now.getTime()),
      tenant_id: principal.tenantId,
      content_type: contentType,
      bytes: stored.length,
      sha256: createHash('sha256').update(stored).digest('hex'),
      uploader: principalScope(principal),
      order_id: null,
      idempotency_key: idempotencyKey,
      created_at: now.toISOString(),
    };
    const result = await this.store.attachments.createAttachment(attachment, stored);
    return { attachment: result.attachment, created: result.kind === 'created' };
  }

  /** A link to the attachment that works without a token for an hour (an `<img>` can show it). */
  signedUrl(attachmentId: string): string {
    const exp = Math.floor((this.now().getTime() + LINK_TTL_MS) / 1000);
    return `${this.linkBase}/v1/attachments/${encodeURIComponent(attachmentId)}?exp=${exp}&sig=${this.sign(attachmentId, exp)}`;
  }

  /** The order's `proof` from its history, each link signed now; null when no applied delivery carried one. */
  proofOf(history: readonly OrderEvent[]): ProofView | null {
    const event = deliveredProofEvent(history);
    return event ? proofView(event, (id) => this.signedUrl(id)) : null;
  }

  /**
   * The attachment by a signed link.
   * @throws NotFoundError when the link is not one we signed, has expired, or its attachment is gone
   */
  async readSigned(attachmentId: string, exp: number, sig: string): Promise<AttachmentContent> {
    const expected = Buffer.from(this.sign(attachmentId, exp));
    const given = Buffer.from(sig);
    const genuine = given.length === expected.length && timingSafeEqual(given, expected);
    if (!genuine || exp * 1000 <= this.now().getTime()) throw new NotFoundError('attachment');
    return this.content(attachmentId);
  }

  /**
   * The attachment for a caller with a token: whoever may read an order it belongs to, or its uploader before that.
   * @throws NotFoundError for anyone else
   */
  async read(principal: Principal, attachmentId: string): Promise<AttachmentContent> {
    if (principal.role === 'admin') throw new NotFoundError('attachment');
    const attachment = await this.store.attachments.getAttachment(attachmentId);
    if (!attachment || attachment.tenant_id !== principal.tenantId) throw new NotFoundError('attachment');
    if (attachment.order_id === null) {
      if (attachment.uploader !== principalScope(principal)) throw new NotFoundError('attachment');
    } else {
      const order = await this.store.orders.getOrder(principal.tenantId, attachment.order_id);
      if (!order || !canReadOrder(principal, order)) throw new NotFoundError('attachment');
    }
    return this.content(attachmentId);
  }

  /**
   * Checks a delivery's proof against the tenant's `proof_required` and binds its attachments to the order: each must
   * be the caller's own upload, not used by another order. Resolves with what the delivered event records.
   * @throws ProofRequiredError when a required part is missing; ValidationError naming the field of an attachment
   *   that may not be used
   */
  async claimProof(principal: TenantPrincipal, orderId: string, proof: ProofInput | undefined): Promise<EventProof | undefined> {
    const settings = withDefaults(await this.settings.get(principal.tenantId));
    const missing = missingProof(settings.proof_required, proof);
    if (missing.length > 0) throw new ProofRequiredError(missing);
    if (!proof) return undefined;
    const ids = proofAttachmentIds(proof);
    const linked = ids.length === 0 ? [] : await this.store.attachments.linkAttachments(principal.tenantId, principalScope(principal), ids, orderId);
    if (linked === null) {
      const issues = [];
      for (const [field, id] of fieldsOf(proof)) {
        const attachment = await this.store.attachments.getAttachment(id);
        const usable = attachment && attachment.tenant_id === principal.tenantId && attachment.uploader === principalScope(principal) &&
          (attachment.order_id === null || attachment.order_id === orderId);
        if (!usable) issues.push({ path: field, message: 'must be an attachment this caller uploaded and has not used yet' });
      }
      // Linked by someone else meanwhile: the first field is as good a name as any.
      if (issues.length === 0) issues.push({ path: fieldsOf(proof)[0]![0], message: 'must be an attachment this caller uploaded and has not used yet' });
      throw new ValidationError('the proof names attachments that may not be used', issues);
    }
    const sha256: Record<string, string> = {};
    for (const attachment of linked) sha256[attachment.id] = attachment.sha256;
    return {
      recipient_name: proof.recipient_name ?? null,
      note: proof.note ?? null,
      signature: proof.signature ?? null,
      photos: proof.photos ?? [],
      sha256,
    };
  }

  private async content(attachmentId: string): Promise<AttachmentContent> {
    const attachment = await this.store.attachments.getAttachment(attachmentId);
    const data = attachment ? await this.store.attachments.readAttachment(attachmentId) : null;
    if (!attachment || !data) throw new NotFoundError('attachment');
    return { attachment, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  }

  private sign(attachmentId: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${attachmentId}:${exp}`).digest('base64url');
  }
}

/** The attachment fields of a proof by their wire path (`proof.signature`, `proof.photos.1`). */
function fieldsOf(proof: ProofInput): Array<[string, string]> {
  return [
    ...(proof.signature ? [['proof.signature', proof.signature] as [string, string]] : []),
    ...(proof.photos ?? []).map((id, index): [string, string] => [`proof.photos.${index}`, id]),
  ];
}

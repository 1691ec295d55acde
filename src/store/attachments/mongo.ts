import { Binary } from 'mongodb';
import type { MongoContext } from '../mongo/context';
import { isDuplicateKey } from '../mongo/errors';
import type { AttachmentDocument } from './mongo-document';
import type { Attachment, AttachmentStore, CreatedAttachment } from './port';


const WITHOUT_DATA = { data: 0 } as const;

/** Attachments on MongoDB, one document each with its bytes. */
export class MongoAttachmentStore implements AttachmentStore {
  constructor(private readonly db: Pick<MongoContext, 'attachments' | 'branding' | 'run'>) {}

  createAttachment(attachment: Attachment, data: Uint8Array): Promise<CreatedAttachment> {
    return this.db.run(async () => {
      const { id, ...fields } = attachment;
      try {
        await this.db.attachments.insertOne({ _id: id, ...fields, data: new Binary(data) });
        return { kind: 'created', attachment };
      } catch (error) {
        if (!isDuplicateKey(error) || attachment.idempotency_key === null) throw error;
        const earlier = await this.db.attachments.findOne(
          { tenant_id: attachment.tenant_id, uploader: attachment.uploader, idempotency_key: attachment.idempotency_key },
          { projection: WITHOUT_DATA },
        );
        if (!earlier) throw error;
        return { kind: 'existing', attachment: toAttachment(earlier) };
      }
    });
  }

  getAttachment(id: string): Promise<Attachment | null> {
    return this.db.run(async () => {
      const doc = await this.db.attachments.findOne({ _id: id }, { projection: WITHOUT_DATA });
      return doc ? toAttachment(doc) : null;
    });
  }

  readAttachment(id: string): Promise<Uint8Array | null> {
    return this.db.run(async () => {
      const doc = await this.db.attachments.findOne({ _id: id });
      if (!doc) return null;
      return doc.data instanceof Binary ? doc.data.value() : doc.data;
    });
  }

  linkAttachments(tenantId: string, uploader: string, ids: readonly string[], orderId: string): Promise<Attachment[] | null> {
    // No multi-document transactions here: each is linked on its own, and those linked are let go again when one
    // of the others may not be.
    return this.db.run(async () => {
      const linked: Attachment[] = [];
      const fresh: string[] = [];
      for (const id of new Set(ids)) {
        const doc = await this.db.attachments.findOneAndUpdate(
          { _id: id, tenant_id: tenantId, uploader, order_id: { $in: [null, orderId] } },
          { $set: { order_id: orderId } },
          { projection: WITHOUT_DATA, returnDocument: 'before' },
        );
        if (!doc) {
          if (fresh.length > 0) await this.db.attachments.updateMany({ _id: { $in: fresh } }, { $set: { order_id: null } });
          return null;
        }
        if (doc.order_id === null) fresh.push(id);
        linked.push({ ...toAttachment(doc), order_id: orderId });
      }
      return linked;
    });
  }

  eraseUnusedAttachments(createdBefore: string, limit: number): Promise<number> {
    return this.db.run(async () => {
      const unused = { order_id: null, created_at: { $lt: createdBefore } };
      // Tenants' logos are in use (few: one a tenant at most). One named between this read and the deletion is found
      // gone by the branding's own second check (branding/mongo.ts).
      const logos = (await this.db.branding.find({ logo: { $type: 'string' } }, { projection: { logo: 1 } }).toArray()).map((doc) => doc.logo!);
      const candidates = logos.length > 0 ? { ...unused, _id: { $not: { $in: logos } } } : unused;
      const docs = await this.db.attachments.find(candidates, { projection: { _id: 1 }, limit }).toArray();
      if (docs.length === 0) return 0;
      // Each deletion checks the document anew: one a proof linked meanwhile stays.
      return (await this.db.attachments.deleteMany({ ...unused, _id: { $in: docs.map((doc) => doc._id) } })).deletedCount;
    });
  }
}

function toAttachment(doc: Omit<AttachmentDocument, 'data'> & { data?: unknown }): Attachment {
  return {
    id: doc._id,
    tenant_id: doc.tenant_id,
    content_type: doc.content_type,
    bytes: doc.bytes,
    sha256: doc.sha256,
    uploader: doc.uploader,
    order_id: doc.order_id,
    idempotency_key: doc.idempotency_key,
    created_at: doc.created_at,
  };
}

import type { Attachment, Store } from '../../../src/store/store';
import { at, freshStore, uniqueId, type StoreFactory } from './fixtures';

/**
 * AttachmentStore: bytes kept and read back, idempotent uploads, all-or-nothing links, unused uploads erased bytes and
 * all. (Used ones go with their orders' erasure: the privacy contract.)
 */
export function describeAttachmentsContract(factory: StoreFactory): void {
  const store: Pick<Store, 'attachments'> = freshStore(factory);
  const attachment = (fields: Partial<Attachment> = {}): Attachment => ({
    id: uniqueId('att'),
    tenant_id: 'ten_1',
    content_type: 'image/jpeg',
    bytes: 3,
    sha256: 'ab'.repeat(32),
    uploader: 'courier:k1',
    order_id: null,
    idempotency_key: null,
    created_at: at(1),
    ...fields,
  });
  const bytes = (value: Uint8Array | null) => (value === null ? null : Buffer.from(value).toString('hex'));

  it('keeps the bytes and reads them back', async () => {
    const kept = attachment();
    expect(await store.attachments.createAttachment(kept, Buffer.from([1, 2, 255]))).toEqual({ kind: 'created', attachment: kept });
    expect(await store.attachments.getAttachment(kept.id)).toEqual(kept);
    expect(bytes(await store.attachments.readAttachment(kept.id))).toBe('0102ff');
    expect(await store.attachments.getAttachment('att_none')).toBeNull();
    expect(await store.attachments.readAttachment('att_none')).toBeNull();
  });

  it('answers a repeated idempotency key of the same uploader with the first attachment', async () => {
    const first = attachment({ idempotency_key: 'k' });
    await store.attachments.createAttachment(first, Buffer.from([1]));
    const again = await store.attachments.createAttachment(attachment({ idempotency_key: 'k' }), Buffer.from([2]));
    expect(again).toEqual({ kind: 'existing', attachment: first });
    const other = attachment({ idempotency_key: 'k', uploader: 'courier:k2' });
    expect((await store.attachments.createAttachment(other, Buffer.from([3]))).kind).toBe('created');
  });

  it('links all or none, only the uploader’s unused ones, and again to the same order', async () => {
    const a = attachment();
    const b = attachment();
    const foreign = attachment({ uploader: 'courier:k2' });
    for (const each of [a, b, foreign]) await store.attachments.createAttachment(each, Buffer.from([1]));
    expect(await store.attachments.linkAttachments('ten_1', 'courier:k1', [a.id, foreign.id], 'ord_1')).toBeNull();
    expect((await store.attachments.getAttachment(a.id))?.order_id).toBeNull();
    const linked = await store.attachments.linkAttachments('ten_1', 'courier:k1', [a.id, b.id], 'ord_1');
    expect(linked?.map((each) => each.id).sort()).toEqual([a.id, b.id].sort());
    expect(linked?.every((each) => each.order_id === 'ord_1')).toBe(true);
    expect(await store.attachments.linkAttachments('ten_1', 'courier:k1', [a.id], 'ord_1')).not.toBeNull();
    expect(await store.attachments.linkAttachments('ten_1', 'courier:k1', [a.id], 'ord_2')).toBeNull();
    expect(await store.attachments.linkAttachments('ten_2', 'courier:k1', [b.id], 'ord_1')).toBeNull();
  });

  it('erases the unused ones uploaded before the cutoff, a batch at a time; used and newer ones stay', async () => {
    const old = [attachment({ created_at: at(1) }), attachment({ created_at: at(2) }), attachment({ created_at: at(3) })];
    const fresh = attachment({ created_at: at(10) });
    const used = attachment({ created_at: at(1) });
    for (const [index, each] of [...old, fresh, used].entries()) await store.attachments.createAttachment(each, Buffer.from([index]));
    await store.attachments.linkAttachments('ten_1', 'courier:k1', [used.id], 'ord_1');

    expect(await store.attachments.eraseUnusedAttachments(at(10), 2)).toBe(2);
    expect(await store.attachments.eraseUnusedAttachments(at(10), 2)).toBe(1);
    expect(await store.attachments.eraseUnusedAttachments(at(10), 2)).toBe(0);
    for (const { id } of old) {
      expect(await store.attachments.getAttachment(id)).toBeNull();
      expect(await store.attachments.readAttachment(id)).toBeNull();
    }
    // Uploaded at the cutoff itself: not before it.
    expect(bytes(await store.attachments.readAttachment(fresh.id))).toBe('03');
    expect((await store.attachments.getAttachment(used.id))?.order_id).toBe('ord_1');
    expect(bytes(await store.attachments.readAttachment(used.id))).toBe('04');
    // A deleted upload can no longer be used in a proof.
    expect(await store.attachments.linkAttachments('ten_1', 'courier:k1', [old[0]!.id], 'ord_2')).toBeNull();
  });
}

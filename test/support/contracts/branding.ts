import type { Attachment, Store, StoredBranding } from '../../../src/store/store';
import { at, freshStore, uniqueId, type StoreFactory } from './fixtures';

/**
 * BrandingBook: one branding per tenant, replaced whole; a logo must be an upload of the tenant that no order uses,
 * and an upload a branding names is never swept as unused (until another logo replaces it).
 */
export function describeBrandingContract(factory: StoreFactory): void {
  const store: Pick<Store, 'branding' | 'attachments'> = freshStore(factory);
  const branding = (tenantId: string, fields: Partial<StoredBranding> = {}): StoredBranding => ({
    tenant_id: tenantId,
    display_name: 'Acme Parcels',
    logo: null,
    primary_color: '#0a7c59',
    support_email: 'help@acme.example',
    support_phone: '+85221234567',
    updated_at: at(5),
    ...fields,
  });
  const upload = async (tenantId: string, fields: Partial<Attachment> = {}): Promise<Attachment> => {
    const attachment: Attachment = {
      id: uniqueId('att'),
      tenant_id: tenantId,
      content_type: 'image/png',
      bytes: 1,
      sha256: 'cd'.repeat(32),
      uploader: 'business',
      order_id: null,
      idempotency_key: null,
      created_at: at(1),
      ...fields,
    };
    await store.attachments.createAttachment(attachment, Buffer.from([7]));
    return attachment;
  };

  it('keeps one branding per tenant, replaced whole, and none for a tenant that set none', async () => {
    const tenant = uniqueId('ten');
    expect(await store.branding.getBranding(tenant)).toBeNull();
    const first = branding(tenant);
    expect(await store.branding.putBranding(first)).toBe(true);
    expect(await store.branding.getBranding(tenant)).toEqual(first);
    const second = branding(tenant, { display_name: '頂好速遞', primary_color: '#222222', support_email: null, support_phone: null, updated_at: at(6) });
    expect(await store.branding.putBranding(second)).toBe(true);
    expect(await store.branding.getBranding(tenant)).toEqual(second);
    expect(await store.branding.getBranding(uniqueId('ten'))).toBeNull();
  });

  it("takes as a logo only an upload of the tenant's that is there and no order uses; refused, nothing changes", async () => {
    const tenant = uniqueId('ten');
    const before = branding(tenant);
    await store.branding.putBranding(before);
    const theirs = await upload(uniqueId('ten'));
    const used = await upload(tenant, { uploader: 'courier:k1' });
    await store.attachments.linkAttachments(tenant, 'courier:k1', [used.id], 'ord_1');
    for (const logo of [theirs.id, used.id, 'att_none']) {
      expect(await store.branding.putBranding(branding(tenant, { logo, updated_at: at(9) }))).toBe(false);
    }
    expect(await store.branding.getBranding(tenant)).toEqual(before);
    const mine = await upload(tenant);
    const withLogo = branding(tenant, { logo: mine.id, updated_at: at(10) });
    expect(await store.branding.putBranding(withLogo)).toBe(true);
    expect(await store.branding.getBranding(tenant)).toEqual(withLogo);
  });

  it('a logo is not swept as an unused upload; the one it replaced is', async () => {
    const tenant = uniqueId('ten');
    const first = await upload(tenant, { created_at: at(1) });
    const second = await upload(tenant, { created_at: at(2) });
    const stray = await upload(tenant, { created_at: at(3) });
    await store.branding.putBranding(branding(tenant, { logo: first.id }));

    expect(await store.attachments.eraseUnusedAttachments(at(100), 10)).toBe(2);
    expect(await store.attachments.getAttachment(first.id)).not.toBeNull();
    expect(await store.attachments.readAttachment(first.id)).not.toBeNull();
    expect(await store.attachments.getAttachment(second.id)).toBeNull();
    expect(await store.attachments.getAttachment(stray.id)).toBeNull();

    const third = await upload(tenant, { created_at: at(4) });
    await store.branding.putBranding(branding(tenant, { logo: third.id, updated_at: at(6) }));
    expect(await store.attachments.eraseUnusedAttachments(at(100), 10)).toBe(1);
    expect(await store.attachments.getAttachment(first.id)).toBeNull();
    expect(await store.attachments.getAttachment(third.id)).not.toBeNull();
  });

  it('logos do not hold up the sweep: a batch full of them still erases the unused ones behind them', async () => {
    const logos = [];
    for (let index = 0; index < 3; index++) {
      const tenant = uniqueId('ten');
      const logo = await upload(tenant, { created_at: at(index) });
      await store.branding.putBranding(branding(tenant, { logo: logo.id }));
      logos.push(logo);
    }
    const unused = await upload(uniqueId('ten'), { created_at: at(50) });
    expect(await store.attachments.eraseUnusedAttachments(at(100), 2)).toBe(1);
    expect(await store.attachments.getAttachment(unused.id)).toBeNull();
    for (const logo of logos) expect(await store.attachments.getAttachment(logo.id)).not.toBeNull();
  });
}

import type { Store, StoredTemplate } from '../../../src/store/store';
import { at, freshStore, uniqueId, type StoreFactory } from './fixtures';

/** TemplateBook: one template per (tenant, language, subject), replaced whole, listed in order, removed once. */
export function describeTemplatesContract(factory: StoreFactory): void {
  const store: Pick<Store, 'templates'> = freshStore(factory);
  const template = (tenantId: string, fields: Partial<StoredTemplate> = {}): StoredTemplate => ({
    tenant_id: tenantId,
    locale: 'en',
    subject: 'shipped',
    parts: { subject: 'Order {{ order.reference }} is on its way', push: { title: '{{ tenant.display_name }}' } },
    updated_at: at(1),
    ...fields,
  });

  it('keeps a template and replaces it whole; other languages, subjects and tenants apart', async () => {
    const tenant = uniqueId('ten');
    const first = template(tenant);
    await store.templates.putTemplate(first);
    expect(await store.templates.getTemplate(tenant, 'en', 'shipped')).toEqual(first);
    const replaced = template(tenant, { parts: { sms: '已寄出 {{ order.reference }}' }, updated_at: at(2) });
    await store.templates.putTemplate(replaced);
    expect(await store.templates.getTemplate(tenant, 'en', 'shipped')).toEqual(replaced);
    expect(await store.templates.getTemplate(tenant, 'ar', 'shipped')).toBeNull();
    expect(await store.templates.getTemplate(tenant, 'en', 'delivered')).toBeNull();
    expect(await store.templates.getTemplate(uniqueId('ten'), 'en', 'shipped')).toBeNull();
  });

  it("lists a tenant's templates by language, then subject, and no one else's", async () => {
    const tenant = uniqueId('ten');
    const wanted = [
      template(tenant, { locale: 'zh-HK', subject: 'arriving' }),
      template(tenant, { locale: 'ar', subject: 'shipped', parts: { html: '<p dir="rtl">{{ customer.name }}</p>' } }),
      template(tenant, { locale: 'en', subject: 'sign_in_code', parts: { text: '{{ code }}' } }),
      template(tenant, { locale: 'ar', subject: 'delivered' }),
    ];
    for (const each of [...wanted, template(uniqueId('ten'))]) await store.templates.putTemplate(each);
    expect(await store.templates.listTemplates(tenant)).toEqual([wanted[3], wanted[1], wanted[2], wanted[0]]);
    expect(await store.templates.listTemplates(uniqueId('ten'))).toEqual([]);
  });

  it('removes a template once; the others stay', async () => {
    const tenant = uniqueId('ten');
    const kept = template(tenant, { subject: 'delivered' });
    await store.templates.putTemplate(template(tenant));
    await store.templates.putTemplate(kept);
    const removals = await Promise.all([store.templates.deleteTemplate(tenant, 'en', 'shipped'), store.templates.deleteTemplate(tenant, 'en', 'shipped')]);
    expect(removals.sort()).toEqual([false, true]);
    expect(await store.templates.getTemplate(tenant, 'en', 'shipped')).toBeNull();
    expect(await store.templates.listTemplates(tenant)).toEqual([kept]);
  });
}

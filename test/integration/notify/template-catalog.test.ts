/**
 * The template catalog over a real store, as two nodes of a cluster hold it: each reads a tenant's texts once per
 * time to live and compiles its template once per source; a template changed or removed through this process is what
 * both render with their next message, one changed through another node what they render once their copy expired.
 */
import pino from 'pino';
import type { MessageValues } from '../../../src/domain/message';
import { tenantTextsChanged } from '../../../src/notifiers/tenant-texts';
import { TemplateCatalog } from '../../../src/notifiers/templates';
import { LiquidSandbox } from '../../../src/services/liquid-sandbox';
import { createSqliteStore } from '../../../src/store/sqlite/create-store';
import type { Store } from '../../../src/store/store';
import { at, buildTenant } from '../../support/store-contract';
import { removeDir, tempDir } from '../../support/temp-dir';

let dataDir: string;
let store: Store;
beforeEach(async () => {
  dataDir = tempDir();
  store = createSqliteStore({ dataDir });
  await store.lifecycle.init();
});
afterEach(async () => {
  await store.lifecycle.close();
  removeDir(dataDir);
});

const values: MessageValues = {
  reference: 'R-7',
  status: 'shipped',
  customerName: 'Ada',
  courierName: null,
  trackingUrl: 'https://t.example/track/ord_7?token=x',
  eta: null,
  reason: null,
  collect: null,
  code: null,
};

/** A sandbox that counts what it compiles. */
function countingSandbox(): { sandbox: LiquidSandbox; compiled: string[] } {
  const sandbox = new LiquidSandbox();
  const compiled: string[] = [];
  const compile = sandbox.compile.bind(sandbox);
  sandbox.compile = (source, escaping) => {
    compiled.push(source);
    return compile(source, escaping);
  };
  return { sandbox, compiled };
}

it('compiles a template once per source; a change through this process is rendered at once, one made elsewhere after the time to live', async () => {
  const tenant = buildTenant();
  await store.tenants.createTenant(tenant, 'hash');
  const put = (subject: string) => store.templates.putTemplate({ tenant_id: tenant.id, locale: 'en', subject: 'shipped', parts: { subject }, updated_at: at(1) });
  let clock = 1_000_000;
  const nodes = [countingSandbox(), countingSandbox()].map(({ sandbox, compiled }) => ({
    catalog: new TemplateCatalog({ store, publicUrl: 'https://t.example', logger: pino({ level: 'silent' }), sandbox, now: () => clock }),
    compiled,
  }));
  const subjectOn = async (node: (typeof nodes)[number]) =>
    (await node.catalog.render({ tenantId: tenant.id, locale: 'en', subject: 'shipped', values })).message.subject;

  await put('First {{ order.reference }}');
  for (const node of nodes) {
    expect(await subjectOn(node)).toBe('First R-7');
    expect(await subjectOn(node)).toBe('First R-7');
    expect(node.compiled).toEqual(['First {{ order.reference }}']);
  }
  // Written through another node: the copies kept here are used until they are 30 s old.
  await put('Second {{ order.reference }}');
  clock += 29_999;
  for (const node of nodes) expect(await subjectOn(node)).toBe('First R-7');
  clock += 1;
  for (const node of nodes) expect(await subjectOn(node)).toBe('Second R-7');
  expect(nodes[1]!.compiled).toEqual(['First {{ order.reference }}', 'Second {{ order.reference }}']);
  // Written through this process (the services say so): at once.
  await put('Third {{ order.reference }}');
  tenantTextsChanged(tenant.id);
  for (const node of nodes) expect(await subjectOn(node)).toBe('Third R-7');
  await store.templates.deleteTemplate(tenant.id, 'en', 'shipped');
  tenantTextsChanged(tenant.id);
  for (const node of nodes) expect(await subjectOn(node)).toBe('Your order R-7 has shipped');
});

it("reads a tenant's settings, branding and template once per time to live, however many messages", async () => {
  const tenant = buildTenant();
  await store.tenants.createTenant(tenant, 'hash');
  const reads: string[] = [];
  const counted = <T extends object>(part: T, name: string): T =>
    new Proxy(part, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          reads.push(`${name}.${String(property)}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  let clock = 0;
  const catalog = new TemplateCatalog({
    store: { tenants: counted(store.tenants, 'tenants'), branding: counted(store.branding, 'branding'), templates: counted(store.templates, 'templates') },
    publicUrl: 'https://t.example',
    logger: pino({ level: 'silent' }),
    now: () => clock,
  });
  const render = () => catalog.render({ tenantId: tenant.id, locale: null, subject: 'shipped', values });
  await Promise.all([render(), render(), render()]);
  await render();
  expect(await catalog.tenantSettings(tenant.id)).toMatchObject({ default_locale: 'en', quiet_hours: null });
  const once = ['tenants.getTenantSettings', 'templates.getTemplate', 'branding.getBranding', 'tenants.getTenant'];
  expect(reads.sort()).toEqual([...once].sort());
  clock += 30_000;
  await render();
  expect(reads).toHaveLength(2 * once.length);
});

it('keeps at most cacheSize compiled parts, least recently used going first', async () => {
  const { sandbox, compiled } = countingSandbox();
  const catalog = new TemplateCatalog({ store, publicUrl: 'https://t.example', logger: pino({ level: 'silent' }), sandbox, cacheSize: 2 });
  const tenants = [buildTenant(), buildTenant(), buildTenant()];
  for (const tenant of tenants) {
    await store.tenants.createTenant(tenant, `hash-${tenant.id}`);
    await store.templates.putTemplate({ tenant_id: tenant.id, locale: 'en', subject: 'shipped', parts: { sms: `{{ order.reference }} ${tenant.id}` }, updated_at: at(1) });
  }
  const render = (index: number) => catalog.render({ tenantId: tenants[index]!.id, locale: 'en', subject: 'shipped', values });
  await render(0);
  await render(1);
  await render(0);
  await render(2); // the cache holds two: tenant 1's part, the least recently used, goes
  await render(0);
  expect(compiled).toHaveLength(3);
  await render(1);
  expect(compiled).toHaveLength(4);
  expect(() => new TemplateCatalog({ store, publicUrl: '', logger: pino({ level: 'silent' }), cacheSize: 0 })).toThrow(RangeError);
});

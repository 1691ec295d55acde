/**
 * The template catalog over a real store, as two nodes of a cluster hold it: each compiles a tenant's template once
 * per source, and a template changed or removed through either is what both render with their next message.
 */
import pino from 'pino';
import type { MessageValues } from '../../../src/domain/message';
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

it("compiles a template once per source, and renders a change made anywhere with the next message", async () => {
  const tenant = buildTenant();
  await store.tenants.createTenant(tenant, 'hash');
  const put = (subject: string) => store.templates.putTemplate({ tenant_id: tenant.id, locale: 'en', subject: 'shipped', parts: { subject }, updated_at: at(1) });
  const nodes = [countingSandbox(), countingSandbox()].map(({ sandbox, compiled }) => ({
    catalog: new TemplateCatalog({ store, publicUrl: 'https://t.example', logger: pino({ level: 'silent' }), sandbox }),
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
  await put('Second {{ order.reference }}');
  for (const node of nodes) expect(await subjectOn(node)).toBe('Second R-7');
  expect(nodes[1]!.compiled).toEqual(['First {{ order.reference }}', 'Second {{ order.reference }}']);
  await store.templates.deleteTemplate(tenant.id, 'en', 'shipped');
  for (const node of nodes) expect(await subjectOn(node)).toBe('Your order R-7 has shipped');
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

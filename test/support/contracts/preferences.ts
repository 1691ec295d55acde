import type { Preferences, Store } from '../../../src/store/store';
import { at, freshStore, type StoreFactory } from './fixtures';

/** PreferenceBook: one record of alert preferences per tenant and customer, replaced whole by each put. */
export function describePreferencesContract(factory: StoreFactory): void {
  const store: Pick<Store, 'preferences'> = freshStore(factory);

  const full: Preferences = {
    email: true,
    sms: false,
    push: true,
    email_address: 'ada.alerts@example.com',
    phone: '+15550000002',
    locale: 'zh-HK',
    updated_at: at(1),
  };
  const bare: Preferences = { email: false, sms: true, push: false, email_address: null, phone: null, locale: null, updated_at: at(2) };

  it('has nothing for a customer who never set preferences', async () => {
    expect(await store.preferences.getPreferences('t1', 'c1')).toBeNull();
  });

  it('gives back every field as put: booleans as booleans, absent contacts as null', async () => {
    await store.preferences.putPreferences('t1', 'c1', full);
    await store.preferences.putPreferences('t1', 'c2', bare);
    expect(await store.preferences.getPreferences('t1', 'c1')).toEqual(full);
    expect(await store.preferences.getPreferences('t1', 'c2')).toEqual(bare);
  });

  it('reads several customers’ preferences at once, each its own', async () => {
    await store.preferences.putPreferences('t1', 'c1', full);
    await store.preferences.putPreferences('t2', 'c1', bare);
    const keys: Array<[string, string]> = [
      ['t1', 'c1'],
      ['t2', 'c1'],
      ['t1', 'c2'],
      ['t1', 'c1'],
    ];
    expect(await Promise.all(keys.map(([tenant, customer]) => store.preferences.getPreferences(tenant, customer)))).toEqual([full, bare, null, full]);
  });

  it('replaces the whole record on each put', async () => {
    await store.preferences.putPreferences('t1', 'c1', full);
    await store.preferences.putPreferences('t1', 'c1', bare);
    expect(await store.preferences.getPreferences('t1', 'c1')).toEqual(bare);
    const again: Preferences = { ...full, sms: true, push: false, locale: 'ar', updated_at: at(3) };
    await store.preferences.putPreferences('t1', 'c1', again);
    expect(await store.preferences.getPreferences('t1', 'c1')).toEqual(again);
  });

  it('keeps each tenant\'s customers apart, the same customer id included', async () => {
    await store.preferences.putPreferences('t1', 'c1', full);
    expect(await store.preferences.getPreferences('t2', 'c1')).toBeNull();
    expect(await store.preferences.getPreferences('t1', 'c2')).toBeNull();
    await store.preferences.putPreferences('t2', 'c1', bare);
    expect(await store.preferences.getPreferences('t2', 'c1')).toEqual(bare);
    expect(await store.preferences.getPreferences('t1', 'c1')).toEqual(full);
  });
}

/**
 * The contact confirmation service on a real embedded store with a recording sender: what a caller gets when no
 * channel reaches the address or the channel fails, and that a code is kept only as a keyed hash.
 */
import { ContactService } from '../../src/services/contact-service';
import { mayAlert, type ContactStanding } from '../../src/domain/contact';
import { InvalidCodeError, UnavailableError, ValidationError } from '../../src/domain/errors';
import { PermanentDeliveryError, TransientDeliveryError } from '../../src/notifiers/delivery-errors';
import { createSqliteStore } from '../../src/store/sqlite/create-store';
import type { Store } from '../../src/store/store';
import { removeDir, tempDir } from '../support/temp-dir';

const customer = { role: 'customer', tenantId: 't1', subject: 'c1' } as const;

describe('ContactService', () => {
  let dataDir: string;
  let store: Store;
  const sent: Array<{ to: string; code: string }> = [];
  let failure: Error | null = null;
  const sender = {
    canSend: (kind: 'email' | 'phone') => kind === 'email',
    send: async (_kind: 'email' | 'phone', to: string, code: string) => {
      if (failure) throw failure;
      sent.push({ to, code });
    },
  };
  const service = () => new ContactService({ store, sender, secret: 'a-secret-of-enough-length' });

  beforeEach(async () => {
    dataDir = tempDir();
    store = createSqliteStore({ dataDir });
    await store.lifecycle.init();
    sent.length = 0;
    failure = null;
  });
  afterEach(async () => {
    await store.lifecycle.close();
    removeDir(dataDir);
  });

  it('refuses an address no configured channel reaches (400), sending nothing', async () => {
    await expect(service().requestCode(customer, { phone: '+15550000001' })).rejects.toBeInstanceOf(ValidationError);
    expect(sent).toEqual([]);
  });

  it('answers a refused address 400 and a channel down 503', async () => {
    failure = new PermanentDeliveryError('smtp 550', 550);
    await expect(service().requestCode(customer, { email: 'ada@example.com' })).rejects.toBeInstanceOf(ValidationError);
    failure = new TransientDeliveryError('smtp 421', 421);
    await expect(service().requestCode(customer, { email: 'ada@example.com' })).rejects.toBeInstanceOf(UnavailableError);
  });

  it('keeps a code only as its keyed hash, and confirms the address in any letter case', async () => {
    await service().requestCode(customer, { email: 'Ada@Example.com' });
    const [{ to, code }] = sent as [{ to: string; code: string }];
    expect(to).toBe('ada@example.com');
    const kept = JSON.stringify(await store.contacts.tryCode('t1', 'c1', 'email', 'ada@example.com'));
    expect(kept).not.toContain(code);
    await expect(service().confirm(customer, { email: 'ADA@example.com' }, code)).resolves.toMatchObject({ email: 'ada@example.com' });
    await expect(service().confirm(customer, { email: 'ada@example.com' }, code)).rejects.toBeInstanceOf(InvalidCodeError);
  });
});

describe('mayAlert', () => {
  const copy: ContactStanding = {
    preferences: [{ kind: 'email', address: 'own@example.com' }],
    order: [{ kind: 'phone', address: '+15550000001' }],
    confirmed: [{ kind: 'email', address: 'sure@example.com' }],
  };

  it('passes addresses the business set, and the customer’s own once confirmed', () => {
    expect(mayAlert(copy, 'preferences', 'email', 'other@example.com')).toBe(true);
    expect(mayAlert(copy, 'preferences', 'email', 'own@example.com')).toBe(false);
    expect(mayAlert(copy, 'preferences', 'email', 'OWN@example.com')).toBe(false);
    expect(mayAlert(copy, 'order', 'phone', '+15550000001')).toBe(false);
    // The same phone in the preferences was not set there by the customer.
    expect(mayAlert(copy, 'preferences', 'phone', '+15550000001')).toBe(true);
    expect(mayAlert({ ...copy, preferences: [...copy.preferences, { kind: 'email', address: 'sure@example.com' }] }, 'preferences', 'email', 'sure@example.com')).toBe(true);
  });
});

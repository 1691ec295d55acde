import type { ContactStanding } from '../../../src/domain/contact';
import type { ContactCode, Store } from '../../../src/store/store';
import { at, freshStore, type StoreFactory } from './fixtures';

/**
 * ContactBook: a customer's self-set addresses by scope, its confirmations, and the codes sent to confirm them or to
 * sign in (the rate window per address and purpose, the latest code alone counting, tries, single use, each code
 * serving its own purpose only), and their erasure and pruning.
 */
export function describeContactsContract(factory: StoreFactory): void {
  const store: Pick<Store, 'contacts'> = freshStore(factory);
  const window = (minutes: number) => ({ since: at(minutes - 60), max: 3 });
  const code = (id: string, minutes: number, over: Partial<ContactCode> = {}): ContactCode => ({
    id,
    purpose: 'confirm',
    tenant_id: 't1',
    customer_id: 'c1',
    kind: 'email',
    address: 'ada@example.com',
    code_hash: `hash-${id}`,
    issued_at: at(minutes),
    expires_at: at(minutes + 10),
    ...over,
  });
  const ada = { kind: 'email', address: 'ada@example.com' } as const;
  const phone = { kind: 'phone', address: '+15550000002' } as const;

  it('has nothing for a customer it never heard of', async () => {
    expect(await store.contacts.contactStanding('t1', 'c1', 'o1')).toEqual({ preferences: [], order: [], confirmed: [] });
    expect(await store.contacts.tryCode('t1', 'c1', 'email', 'ada@example.com')).toBeNull();
    expect(await store.contacts.eraseContacts('t1', 'c1')).toBe(false);
  });

  it('keeps self-set addresses by scope, replaced whole per scope, apart per tenant and customer', async () => {
    await store.contacts.putSelfSet('t1', 'c1', 'preferences', [ada, phone]);
    await store.contacts.putSelfSet('t1', 'c1', 'o1', [ada]);
    await store.contacts.putSelfSet('t1', 'c1', 'o2', [phone]);
    const standing = await store.contacts.contactStanding('t1', 'c1', 'o1');
    expect(sorted(standing.preferences)).toEqual(sorted([ada, phone]));
    expect(standing.order).toEqual([ada]);
    expect((await store.contacts.contactStanding('t1', 'c1', 'o2')).order).toEqual([phone]);
    expect(await store.contacts.contactStanding('t2', 'c1', 'o1')).toEqual({ preferences: [], order: [], confirmed: [] });
    expect((await store.contacts.contactStanding('t1', 'c2', 'o1')).preferences).toEqual([]);
    await store.contacts.putSelfSet('t1', 'c1', 'preferences', [phone]);
    expect((await store.contacts.contactStanding('t1', 'c1', 'o1')).preferences).toEqual([phone]);
    await store.contacts.putSelfSet('t1', 'c1', 'preferences', []);
    expect((await store.contacts.contactStanding('t1', 'c1', 'o1')).preferences).toEqual([]);
    await store.contacts.forgetOrderContacts('t1', ['o1']);
    expect((await store.contacts.contactStanding('t1', 'c1', 'o1')).order).toEqual([]);
    expect((await store.contacts.contactStanding('t1', 'c1', 'o2')).order).toEqual([phone]);
  });

  it('reads several standings at once, each as it reads alone', async () => {
    await store.contacts.putSelfSet('t1', 'c1', 'preferences', [ada]);
    await store.contacts.putSelfSet('t1', 'c1', 'o1', [phone]);
    await store.contacts.putSelfSet('t1', 'c2', 'o2', [ada, phone]);
    await store.contacts.issueCode(code('k1', 0), window(0));
    expect(await store.contacts.confirmCode('k1', at(1))).toBe(true);
    const keys: Array<[string, string, string | null]> = [
      ['t1', 'c1', 'o1'],
      ['t1', 'c1', 'o2'],
      ['t1', 'c1', null],
      ['t1', 'c2', 'o2'],
      ['t2', 'c1', 'o1'],
    ];
    const together = await Promise.all(keys.map(([tenant, customer, order]) => store.contacts.contactStanding(tenant, customer, order)));
    const alone = [];
    for (const [tenant, customer, order] of keys) alone.push(await store.contacts.contactStanding(tenant, customer, order));
    expect(together.map(sortedStanding)).toEqual(alone.map(sortedStanding));
    expect(together[0]).toEqual({ preferences: [ada], order: [phone], confirmed: [ada] });
    expect(together[1]).toEqual({ preferences: [ada], order: [], confirmed: [ada] });
    expect(together[2]).toEqual({ preferences: [ada], order: [], confirmed: [ada] });
    expect(sortedStanding(together[3]!)).toEqual({ preferences: [], order: sorted([ada, phone]), confirmed: [] });
    expect(together[4]).toEqual({ preferences: [], order: [], confirmed: [] });
  });

  it('issues at most 3 codes to an address in the window, whoever asks; another address or tenant has its own', async () => {
    expect(await store.contacts.issueCode(code('k1', 0), window(0))).toEqual({ issued: true });
    expect(await store.contacts.issueCode(code('k2', 1, { customer_id: 'c2' }), window(1))).toEqual({ issued: true });
    expect(await store.contacts.issueCode(code('k3', 2), window(2))).toEqual({ issued: true });
    expect(await store.contacts.issueCode(code('k4', 3), window(3))).toEqual({ issued: false, oldest: at(0) });
    expect(await store.contacts.issueCode(code('k5', 3, { address: 'bea@example.com' }), window(3))).toEqual({ issued: true });
    expect(await store.contacts.issueCode(code('k6', 3, { tenant_id: 't2' }), window(3))).toEqual({ issued: true });
    // Once the first is an hour old, the window has room again.
    expect(await store.contacts.issueCode(code('k7', 61), window(61))).toEqual({ issued: true });
  });

  it('holds to the limit under concurrent issues', async () => {
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((n) => store.contacts.issueCode(code(`k${n}`, 0, { customer_id: `c${n}` }), window(0))));
    expect(results.filter((result) => result.issued)).toHaveLength(3);
  });

  it('counts every try on the latest code only, and a used code tries no more', async () => {
    await store.contacts.issueCode(code('k1', 0), window(0));
    expect(await store.contacts.tryCode('t1', 'c1', 'email', 'ada@example.com')).toEqual({ id: 'k1', code_hash: 'hash-k1', expires_at: at(10), tries: 1 });
    await store.contacts.issueCode(code('k2', 1), window(1));
    const tries = await Promise.all([1, 2, 3].map(() => store.contacts.tryCode('t1', 'c1', 'email', 'ada@example.com')));
    expect(tries.map((attempt) => attempt?.id)).toEqual(['k2', 'k2', 'k2']);
    expect(tries.map((attempt) => attempt?.tries).sort()).toEqual([1, 2, 3]);
    expect(await store.contacts.tryCode('t1', 'c2', 'email', 'ada@example.com')).toBeNull();
    expect(await store.contacts.confirmCode('k2', at(2))).toBe(true);
    expect(await store.contacts.confirmCode('k2', at(2))).toBe(false);
    expect(await store.contacts.tryCode('t1', 'c1', 'email', 'ada@example.com')).toBeNull();
    expect((await store.contacts.contactStanding('t1', 'c1', 'o1')).confirmed).toEqual([ada]);
    expect((await store.contacts.contactStanding('t1', 'c2', 'o1')).confirmed).toEqual([]);
  });

  it('confirms a code once under concurrent confirmations', async () => {
    await store.contacts.issueCode(code('k1', 0), window(0));
    const results = await Promise.all([1, 2, 3].map(() => store.contacts.confirmCode('k1', at(1))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('erases everything of one customer, and prunes old codes and confirmations', async () => {
    await store.contacts.putSelfSet('t1', 'c1', 'preferences', [ada]);
    await store.contacts.issueCode(code('k1', 0), window(0));
    await store.contacts.confirmCode('k1', at(1));
    await store.contacts.issueCode(code('k2', 2, { kind: 'phone', address: phone.address }), window(2));
    await store.contacts.issueCode(code('k3', 2, { customer_id: 'c2', address: 'bea@example.com' }), window(2));
    expect(await store.contacts.eraseContacts('t1', 'c1')).toBe(true);
    expect(await store.contacts.contactStanding('t1', 'c1', 'o1')).toEqual({ preferences: [], order: [], confirmed: [] });
    expect(await store.contacts.tryCode('t1', 'c1', 'phone', phone.address)).toBeNull();
    expect(await store.contacts.eraseContacts('t1', 'c1')).toBe(false);
    // c2's code is untouched until it is older than the pruning point.
    await store.contacts.pruneCodes(at(2));
    expect(await store.contacts.tryCode('t1', 'c2', 'email', 'bea@example.com')).toMatchObject({ id: 'k3' });
    await store.contacts.pruneCodes(at(3));
    expect(await store.contacts.tryCode('t1', 'c2', 'email', 'bea@example.com')).toBeNull();

    await store.contacts.issueCode(code('k4', 5, { customer_id: 'c3' }), window(5));
    await store.contacts.confirmCode('k4', at(6));
    await store.contacts.expireConfirmations('t2', at(7));
    expect((await store.contacts.contactStanding('t1', 'c3', 'o1')).confirmed).toEqual([ada]);
    await store.contacts.expireConfirmations('t1', at(6));
    expect((await store.contacts.contactStanding('t1', 'c3', 'o1')).confirmed).toEqual([ada]);
    await store.contacts.expireConfirmations('t1', at(7));
    expect((await store.contacts.contactStanding('t1', 'c3', 'o1')).confirmed).toEqual([]);
  });

  describe('sign-in codes', () => {
    const signIn = (id: string, minutes: number, over: Partial<ContactCode> = {}) => code(id, minutes, { purpose: 'sign_in', ...over });

    it('serve only signing in: a confirmation never finds or spends one, and a sign-in never a confirmation code', async () => {
      expect(await store.contacts.issueCode(signIn('s1', 0), window(0))).toEqual({ issued: true });
      expect(await store.contacts.tryCode('t1', 'c1', 'email', 'ada@example.com')).toBeNull();
      expect(await store.contacts.confirmCode('s1', at(1))).toBe(false);
      expect(await store.contacts.issueCode(code('k1', 1), window(1))).toEqual({ issued: true });
      expect(await store.contacts.spendSignInCode('k1')).toBe(false);
      expect(await store.contacts.trySignInCode('t1', 'email', 'ada@example.com')).toEqual({
        id: 's1', customer_id: 'c1', code_hash: 'hash-s1', expires_at: at(10), tries: 1,
      });
      expect(await store.contacts.tryCode('t1', 'c1', 'email', 'ada@example.com')).toMatchObject({ id: 'k1', tries: 1 });
      expect(await store.contacts.spendSignInCode('s1')).toBe(true);
      expect(await store.contacts.confirmCode('k1', at(2))).toBe(true);
      // The sign-in recorded no confirmation of its own: only the confirmation code's.
      expect((await store.contacts.contactStanding('t1', 'c1', null)).confirmed).toEqual([ada]);
    });

    it('have a rate window of their own per address', async () => {
      for (const [n, minutes] of [[1, 0], [2, 1], [3, 2]] as const) {
        expect(await store.contacts.issueCode(code(`k${n}`, minutes), window(minutes))).toEqual({ issued: true });
      }
      expect(await store.contacts.issueCode(code('k4', 3), window(3))).toEqual({ issued: false, oldest: at(0) });
      for (const [n, minutes] of [[1, 3], [2, 4], [3, 5]] as const) {
        expect(await store.contacts.issueCode(signIn(`s${n}`, minutes, { customer_id: `c${n}` }), window(minutes))).toEqual({ issued: true });
      }
      expect(await store.contacts.issueCode(signIn('s4', 6), window(6))).toEqual({ issued: false, oldest: at(3) });
      expect(await store.contacts.issueCode(signIn('s5', 6, { address: 'bea@example.com' }), window(6))).toEqual({ issued: true });
      expect(await store.contacts.issueCode(signIn('s6', 64), window(64))).toEqual({ issued: true });
    });

    it('hold to the limit under concurrent issues', async () => {
      const results = await Promise.all([0, 1, 2, 3, 4, 5].map((n) => store.contacts.issueCode(signIn(`s${n}`, 0, { customer_id: `c${n % 2}` }), window(0))));
      expect(results.filter((result) => result.issued)).toHaveLength(3);
    });

    it('count: the address\'s latest code alone, whoever it went to, every try; a spent code tries no more', async () => {
      await store.contacts.issueCode(signIn('s1', 0), window(0));
      await store.contacts.issueCode(signIn('s2', 1, { customer_id: 'c2' }), window(1));
      expect(await store.contacts.trySignInCode('t2', 'email', 'ada@example.com')).toBeNull();
      expect(await store.contacts.trySignInCode('t1', 'phone', 'ada@example.com')).toBeNull();
      const tries = await Promise.all([1, 2, 3].map(() => store.contacts.trySignInCode('t1', 'email', 'ada@example.com')));
      expect(tries.map((attempt) => [attempt?.id, attempt?.customer_id])).toEqual([['s2', 'c2'], ['s2', 'c2'], ['s2', 'c2']]);
      expect(tries.map((attempt) => attempt?.tries).sort()).toEqual([1, 2, 3]);
      const spends = await Promise.all([1, 2, 3].map(() => store.contacts.spendSignInCode('s2')));
      expect(spends.filter(Boolean)).toHaveLength(1);
      // The older code, never spent, was replaced: it does not come back.
      expect(await store.contacts.trySignInCode('t1', 'email', 'ada@example.com')).toBeNull();
    });

    it('leave with their customer\'s erasure, and are pruned by age', async () => {
      await store.contacts.issueCode(signIn('s1', 0), window(0));
      await store.contacts.issueCode(signIn('s2', 0, { customer_id: 'c2', address: 'bea@example.com' }), window(0));
      expect(await store.contacts.eraseContacts('t1', 'c1')).toBe(true);
      expect(await store.contacts.trySignInCode('t1', 'email', 'ada@example.com')).toBeNull();
      expect(await store.contacts.eraseContacts('t1', 'c1')).toBe(false);
      await store.contacts.pruneCodes(at(1));
      expect(await store.contacts.trySignInCode('t1', 'email', 'bea@example.com')).toBeNull();
    });
  });

}

function sorted<T extends { kind: string; address: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => `${a.kind}${a.address}`.localeCompare(`${b.kind}${b.address}`));
}

function sortedStanding(standing: ContactStanding): ContactStanding {
  return { preferences: sorted(standing.preferences), order: sorted(standing.order), confirmed: sorted(standing.confirmed) };
}

import type { Revocation, Store } from '../../../src/store/store';
import { freshStore, type StoreFactory } from './fixtures';

/** CredentialRevocations: one revocation per subject, the latest time kept, all listed. */
export function describeCredentialsContract(factory: StoreFactory): void {
  const store: Pick<Store, 'credentials'> = freshStore(factory);
  const revocation = (subject: string, before: string, role: Revocation['role'] = 'staff'): Revocation => ({
    tenant_id: 'ten_1',
    role,
    subject,
    before,
  });
  const sorted = (list: Revocation[]) => [...list].sort((x, y) => `${x.role}${x.subject}`.localeCompare(`${y.role}${y.subject}`));

  it('lists nothing until a subject is revoked, then each revoked subject with its time', async () => {
    expect(await store.credentials.listRevocations()).toEqual([]);
    await store.credentials.revokeSubject(revocation('s1', '2026-01-01T10:00:00.123Z'));
    await store.credentials.revokeSubject(revocation('s1', '2026-01-01T10:00:00.123Z', 'courier'));
    await store.credentials.revokeSubject({ ...revocation('s1', '2026-01-01T10:00:00.456Z'), tenant_id: 'ten_2' });
    expect(sorted(await store.credentials.listRevocations())).toEqual(
      sorted([
        revocation('s1', '2026-01-01T10:00:00.123Z'),
        revocation('s1', '2026-01-01T10:00:00.123Z', 'courier'),
        { ...revocation('s1', '2026-01-01T10:00:00.456Z'), tenant_id: 'ten_2' },
      ]),
    );
  });

  it('keeps the later time of a subject revoked twice, whichever is written last', async () => {
    await store.credentials.revokeSubject(revocation('s1', '2026-01-01T10:00:00.500Z'));
    await store.credentials.revokeSubject(revocation('s1', '2026-01-01T10:00:01.000Z'));
    expect(await store.credentials.listRevocations()).toEqual([revocation('s1', '2026-01-01T10:00:01.000Z')]);
    await store.credentials.revokeSubject(revocation('s1', '2026-01-01T09:00:00.000Z'));
    expect(await store.credentials.listRevocations()).toEqual([revocation('s1', '2026-01-01T10:00:01.000Z')]);
  });
}

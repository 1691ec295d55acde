/**
 * Token revocation and API key rotation in the token service (API.md "Identities and tokens"), on a turned clock: a
 * revocation refuses the subject's tokens minted up to its millisecond, within the same second too (`iat` alone
 * could not tell), and nobody else's; a replaced API key leaves the cache at once, and cached keys are asked again
 * after the cache's TTL.
 */
import { RevocationList } from '../../src/auth/revocation-list';
import { hashApiKey, TokenService } from '../../src/auth/token-service';
import { UnauthorizedError } from '../../src/domain/errors';
import type { Tenant } from '../../src/store/tenants/port';

const SECOND = Date.UTC(2026, 0, 1, 10, 0, 0);

function service(clock: { now: number }, tenants = new Map<string, Tenant>()) {
  const revocations = new RevocationList();
  const lookups: string[] = [];
  const tokens = new TokenService({
    store: {
      tenants: {
        findTenantByApiKeyHash: async (hash) => {
          lookups.push(hash);
          return tenants.get(hash) ?? null;
        },
      },
    },
    adminToken: 'admin-token-0123456789',
    jwtSecret: 'x'.repeat(40),
    now: () => clock.now,
    revocations,
    apiKeyCacheTtlMs: 1000,
  });
  return { tokens, revocations, lookups };
}

const revoke = (revocations: RevocationList, subject: string, at: number) =>
  revocations.apply({ tenant_id: 'ten_1', role: 'staff', subject, before: new Date(at).toISOString() });

describe('token revocation', () => {
  it('refuses a token minted before the revocation in the same second, and takes one minted after it', async () => {
    const clock = { now: SECOND + 100 };
    const { tokens, revocations } = service(clock);
    const before = tokens.mint('ten_1', 'staff', 's1', 3600).token;
    clock.now = SECOND + 400;
    expect(revoke(revocations, 's1', clock.now)).toBe(true);
    clock.now = SECOND + 401;
    const after = tokens.mint('ten_1', 'staff', 's1', 3600).token;
    clock.now = SECOND + 900;
    await expect(tokens.authenticate(before)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(tokens.authenticate(after)).resolves.toEqual({ role: 'staff', tenantId: 'ten_1', subject: 's1' });
  });

  it('refuses only that subject, role and tenant', async () => {
    const clock = { now: SECOND };
    const { tokens, revocations } = service(clock);
    const others = [tokens.mint('ten_1', 'staff', 's2', 3600), tokens.mint('ten_1', 'courier', 's1', 3600), tokens.mint('ten_2', 'staff', 's1', 3600)];
    clock.now += 10;
    revoke(revocations, 's1', clock.now);
    for (const { token } of others) await expect(tokens.authenticate(token)).resolves.toMatchObject({ tenantId: expect.any(String) });
  });

  it('keeps the later of two revocations, in whatever order they come', () => {
    const revocations = new RevocationList();
    expect(revoke(revocations, 's1', SECOND + 500)).toBe(true);
    expect(revoke(revocations, 's1', SECOND + 100)).toBe(false);
    expect(revocations.refuses('ten_1', 'staff', 's1', SECOND + 300)).toBe(true);
    expect(revoke(revocations, 's1', SECOND + 500)).toBe(false);
    expect(revoke(revocations, 's1', SECOND + 600)).toBe(true);
    expect(revocations.refuses('ten_1', 'staff', 's1', SECOND + 550)).toBe(true);
    expect(revocations.refuses('ten_1', 'staff', 's1', SECOND + 601)).toBe(false);
  });
});

describe('API key cache', () => {
  const tenant: Tenant = { id: 'ten_1', name: 'Acme', points_per_unit: 1, created_at: new Date(SECOND).toISOString() };

  it('drops a replaced key at once, and asks the store again once its TTL is over', async () => {
    const clock = { now: SECOND };
    const tenants = new Map([[hashApiKey('ak_old'), tenant]]);
    const { tokens, lookups } = service(clock, tenants);
    await expect(tokens.authenticate('ak_old')).resolves.toEqual({ role: 'business', tenantId: 'ten_1' });
    await tokens.authenticate('ak_old');
    expect(lookups).toHaveLength(1);
    clock.now += 1001;
    await tokens.authenticate('ak_old');
    expect(lookups).toHaveLength(2);
    tenants.delete(hashApiKey('ak_old'));
    tenants.set(hashApiKey('ak_new'), tenant);
    tokens.forgetApiKeys('ten_1');
    await expect(tokens.authenticate('ak_old')).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(tokens.authenticate('ak_new')).resolves.toEqual({ role: 'business', tenantId: 'ten_1' });
  });

  it('does not trust a lookup that was under way when a key was replaced', async () => {
    const clock = { now: SECOND };
    const tenants = new Map([[hashApiKey('ak_old'), tenant]]);
    const { tokens } = service(clock, tenants);
    const checking = tokens.authenticate('ak_old');
    // The rotation lands while the lookup is out: the store has the new key, every cache is told.
    tenants.delete(hashApiKey('ak_old'));
    tokens.forgetApiKeys('ten_1');
    await expect(checking).rejects.toBeInstanceOf(UnauthorizedError);
  });
});

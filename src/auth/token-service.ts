import { createHash, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { UnauthorizedError } from '../domain/errors';
import type { Principal } from '../domain/principal';
import type { Tenant, TenantDirectory } from '../store/tenants/port';
import type { InactiveCouriers } from './inactive-couriers';
import type { RevocationList } from './revocation-list';

export type MintableRole = 'customer' | 'courier' | 'staff';

interface Claims {
  tid: string;
  role: MintableRole | 'tracker';
  sub?: string;
  oid?: string;
  /** A tracker token's link generation; absent: 0 (links minted before links could be renewed). */
  gen?: number;
  exp?: number;
  iat?: number;
  /**
   * When the token was minted, in epoch ms: `iat` counts seconds, too coarse to tell a token minted just before a
   * revocation from one minted just after. Absent from tokens minted before it was added (then `iat` counts).
   */
  iat_ms?: number;
}

/** A caller and how long its credential holds (a live socket is cut when it runs out). */
export interface Session {
  principal: Principal;
  /** Epoch milliseconds; null for credentials that do not expire (API keys, the admin token). */
  expiresAt: number | null;
}

export interface TokenServiceOptions {
  /** Looks tenants up by the hash of their API key. */
  store: { tenants: Pick<TenantDirectory, 'findTenantByApiKeyHash'> };
  adminToken: string;
  jwtSecret: string;
  now?: () => number;
  /**
   * Lifetime of per-order tracking tokens. What a link opens is decided by the order (API.md "Tracking links": it
   * ends after the order's course, on erasure and on renewal); this only bounds a token's life in any case.
   * @default 180 days — a share link outlives the delivery and its return window.
   */
  trackingTtlSeconds?: number;
  /** Revoked subjects, asked on every customer, courier and staff token. @default none revoked */
  revocations?: Pick<RevocationList, 'refuses'>;
  /** Couriers made inactive, whose every token is refused (minted before or after). @default none inactive */
  inactiveCouriers?: Pick<InactiveCouriers, 'has'>;
  /**
   * How long an API key found in the store is trusted without asking it again. A replaced key is dropped from every
   * node's cache at once (see {@link TokenService.forgetApiKeys}); this bounds how long a node that missed that word
   * still takes the old key.
   * @default 30000
   */
  apiKeyCacheTtlMs?: number;
}

const API_KEY_PREFIX = 'ak_';
const ISSUER = 'order-tracking';
// API keys are looked up on every business call; a small cache spares the store.
const API_KEY_CACHE_SIZE = 10_000;
// Tokens whose signature was checked, kept so a token used again (every call of a courier's app) is not verified again.
const VERIFIED_CACHE_SIZE = 10_000;

/** SHA-256 of an API key: keys are random 256-bit secrets, so a fast hash is enough and lookups stay cheap. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** What a token's verified claims say, kept per token: its principal and its times. */
interface Verified {
  principal: Exclude<Principal, { role: 'admin' | 'business' }>;
  /** Epoch seconds, as the token's `exp`; null when it has none. */
  exp: number | null;
  /** When it was minted, in epoch ms (`iat_ms`, or `iat` for tokens minted before it). */
  issuedAtMs: number;
}

/** Turns bearer tokens into principals, and mints the JWTs a business hands out. */
export class TokenService {
  private readonly adminDigest: Buffer;
  /**
   * The secret as a key object, made once: given a string, jsonwebtoken first tries to read it as a private key
   * on every call (about 0.5 ms each).
   */
  private readonly secretKey: KeyObject;
  /** Tenants of API keys found in the store, by key, each trusted until `until`. */
  private readonly tenantsByKey = new Map<string, { tenant: Tenant; until: number }>();
  /**
   * Tokens whose signature, issuer and claims were verified, by token: only what can change while a token lives
   * (its expiry, a revocation, its courier made inactive) is checked again on each call.
   */
  private readonly verified = new Map<string, Verified>();
  /** Moves on whenever cached keys are dropped: a store read begun before then must not be trusted (or cached). */
  private keyGeneration = 0;
  private readonly now: () => number;
  private readonly trackingTtl: number;
  private readonly apiKeyCacheTtl: number;

  constructor(private readonly options: TokenServiceOptions) {
    this.adminDigest = createHash('sha256').update(options.adminToken).digest();
    this.secretKey = createSecretKey(Buffer.from(options.jwtSecret, 'utf8'));
    this.now = options.now ?? Date.now;
    this.trackingTtl = options.trackingTtlSeconds ?? 180 * 24 * 3600;
    this.apiKeyCacheTtl = options.apiKeyCacheTtlMs ?? 30_000;
    if (!(this.apiKeyCacheTtl >= 0)) throw new RangeError('TokenService: apiKeyCacheTtlMs must be >= 0');
  }

  isApiKey(token: string): boolean {
    return token.startsWith(API_KEY_PREFIX);
  }

  /** @throws UnauthorizedError for a missing, unknown, forged or expired token. */
  async authenticate(token: string | undefined): Promise<Principal> {
    return (await this.authenticateSession(token)).principal;
  }

  /** Like {@link authenticate}, with the credential's expiry. */
  async authenticateSession(token: string | undefined): Promise<Session> {
    if (!token) throw new UnauthorizedError();
    // A token verified or an API key found before skips the admin comparison's digest: neither is the admin token
    // (each was compared with it before it was kept).
    const verified = this.verified.get(token);
    if (verified) return this.sessionOf(verified);
    const known = this.tenantsByKey.get(token);
    if (known && known.until > this.now()) return { principal: { role: 'business', tenantId: known.tenant.id }, expiresAt: null };
    if (timingSafeEqual(createHash('sha256').update(token).digest(), this.adminDigest)) {
      return { principal: { role: 'admin' }, expiresAt: null };
    }
    if (token.startsWith(API_KEY_PREFIX)) {
      const tenant = await this.tenantForKey(token);
      return { principal: { role: 'business', tenantId: tenant.id }, expiresAt: null };
    }
    return this.verifyJwt(token);
  }

  /** Mints a token for a tenant's staff, courier or customer. */
  mint(tenantId: string, role: MintableRole, subject: string, ttlSeconds: number): { token: string; expires_at: string } {
    const claims: Claims = { tid: tenantId, role, sub: subject };
    return this.sign(claims, ttlSeconds);
  }

  /**
   * Mints the share-link token that can read and watch one order, as the order's link of `generation` (its
   * `tracking_generation`): a later generation refuses it.
   */
  mintTracking(tenantId: string, orderId: string, generation = 0): string {
    return this.sign({ tid: tenantId, role: 'tracker', oid: orderId, ...(generation ? { gen: generation } : {}) }, this.trackingTtl).token;
  }

  /** Drops the tenant's API keys from this node's cache (its key was replaced): the next call asks the store. */
  forgetApiKeys(tenantId: string): void {
    this.keyGeneration += 1;
    for (const [key, cached] of this.tenantsByKey) if (cached.tenant.id === tenantId) this.tenantsByKey.delete(key);
  }

  private sign(claims: Claims, ttlSeconds: number): { token: string; expires_at: string } {
    const issuedAtMs = this.now();
    const iat = Math.floor(issuedAtMs / 1000);
    const exp = iat + ttlSeconds;
    const token = jwt.sign({ ...claims, iat, iat_ms: issuedAtMs, exp }, this.secretKey, { algorithm: 'HS256', issuer: ISSUER });
    return { token, expires_at: new Date(exp * 1000).toISOString() };
  }

  private verifyJwt(token: string): Session {
    let claims: Claims;
    try {
      claims = jwt.verify(token, this.secretKey, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        clockTimestamp: Math.floor(this.now() / 1000),
      }) as Claims;
    } catch {
      throw new UnauthorizedError();
    }
    const verified = verifiedClaims(claims);
    if (!verified) throw new UnauthorizedError();
    // A token with a not-before time is checked in full each time (none of ours has one).
    if ((claims as { nbf?: unknown }).nbf === undefined) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
      this.verified.set(token, verified);
    }
    return this.sessionOf(verified);
  }

  /**
   * The session of a verified token, once what may have changed since it was verified holds: it has not expired (as
   * jsonwebtoken decides it: expired from its `exp` second on), its subject was not revoked, its courier is active.
   * @throws UnauthorizedError
   */
  private sessionOf({ principal, exp, issuedAtMs }: Verified): Session {
    if (exp !== null && Math.floor(this.now() / 1000) >= exp) throw new UnauthorizedError();
    const expiresAt = exp !== null ? exp * 1000 : null;
    if (principal.role === 'tracker') return { principal: { ...principal }, expiresAt };
    const { role, tenantId, subject } = principal;
    if (this.options.revocations?.refuses(tenantId, role, subject, issuedAtMs)) throw new UnauthorizedError();
    if (role === 'courier' && this.options.inactiveCouriers?.has(tenantId, subject)) throw new UnauthorizedError();
    return { principal: { role, tenantId, subject }, expiresAt };
  }

  /** The tenant of an API key: from this node's cache (by the key), or from the store (by its hash). */
  private async tenantForKey(apiKey: string): Promise<Tenant> {
    const cached = this.tenantsByKey.get(apiKey);
    if (cached && cached.until > this.now()) return cached.tenant;
    const generation = this.keyGeneration;
    const tenant = await this.options.store.tenants.findTenantByApiKeyHash(hashApiKey(apiKey));
    // A key was replaced while the store answered: the answer may predate it, so ask again (the store has the new key).
    if (generation !== this.keyGeneration) return this.tenantForKey(apiKey);
    if (!tenant) throw new UnauthorizedError();
    if (this.tenantsByKey.size >= API_KEY_CACHE_SIZE) this.tenantsByKey.clear();
    this.tenantsByKey.set(apiKey, { tenant, until: this.now() + this.apiKeyCacheTtl });
    return tenant;
  }
}

/** The principal and times a verified token's claims make; null for claims no token of ours has. */
function verifiedClaims(claims: Claims): Verified | null {
  if (typeof claims.tid !== 'string') return null;
  const exp = typeof claims.exp === 'number' ? claims.exp : null;
  const issuedAtMs = typeof claims.iat_ms === 'number' ? claims.iat_ms : (claims.iat ?? 0) * 1000;
  if (claims.role === 'tracker') {
    if (typeof claims.oid !== 'string') return null;
    const generation = claims.gen ?? 0;
    if (!Number.isInteger(generation)) return null;
    return { principal: { role: 'tracker', tenantId: claims.tid, orderId: claims.oid, generation }, exp, issuedAtMs };
  }
  if (typeof claims.sub !== 'string' || !['customer', 'courier', 'staff'].includes(claims.role)) return null;
  return { principal: { role: claims.role as MintableRole, tenantId: claims.tid, subject: claims.sub }, exp, issuedAtMs };
}

import type { TenantSettings } from '../domain/tenant-settings';
import type { TenantDirectory } from '../store/tenants/port';
import { keepAtMost } from '../kept';
import { tenantTextsVersion } from './tenant-texts';

export interface TenantCacheOptions<T> {
  /** Reads the tenant's value from the store; a read that fails is not kept (the next `get` reads again). */
  read: (tenantId: string) => Promise<T>;
  /**
   * How long a tenant's value is kept once read (0: read at every `get`). A change is seen on every node before it
   * is answered (see {@link tenantTextsChanged}); this long bounds how stale a node is when Redis could not tell it.
   * @default 30000
   */
  ttlMs?: number;
  /**
   * Tenants whose values are kept at once (least recently read go first).
   * @default 10000
   */
  size?: number;
  /** The clock the time to live is counted by (ms). @default Date.now */
  now?: () => number;
}

interface Kept<T> {
  at: number;
  /** {@link tenantTextsVersion} when read. */
  version: number;
  value: Promise<T>;
}

/**
 * One value per tenant, read from the store and kept on this node for a time to live, with the same freshness as
 * the tenant's texts: forgotten on every node when the tenant's settings (or anything else {@link tenantTextsChanged}
 * is told of) change, and at most `ttlMs` stale on a node Redis could not tell.
 */
export class TenantCache<T> {
  private readonly ttlMs: number;
  private readonly size: number;
  private readonly now: () => number;
  private readonly kept = new Map<string, Kept<T>>();

  constructor(private readonly options: TenantCacheOptions<T>) {
    this.ttlMs = options.ttlMs ?? 30_000;
    if (!(this.ttlMs >= 0)) throw new RangeError('TenantCache: ttlMs must be >= 0');
    this.size = options.size ?? 10_000;
    if (!(this.size >= 1)) throw new RangeError('TenantCache: size must be >= 1');
    this.now = options.now ?? Date.now;
  }

  /** The tenant's value as kept, or read afresh when it changed here, is older than the time to live, or is not kept. */
  get(tenantId: string): Promise<T> {
    const now = this.now();
    const version = tenantTextsVersion(tenantId);
    let kept = this.kept.get(tenantId);
    this.kept.delete(tenantId);
    if (!kept || kept.version !== version || now - kept.at >= this.ttlMs) {
      const value = this.options.read(tenantId);
      const fresh: Kept<T> = { at: now, version, value };
      value.catch(() => {
        if (this.kept.get(tenantId) === fresh) this.kept.delete(tenantId);
      });
      kept = fresh;
    }
    // Least recently read first: a read moves the tenant to the end. With no time to live nothing is kept.
    if (this.ttlMs > 0) keepAtMost(this.kept, tenantId, kept, this.size);
    return kept.value;
  }
}

/**
 * The tenants' settings as `tenants` reads them, kept as a {@link TenantCache} keeps them: one cache per directory,
 * so the services of a node that ask for them share one copy and one read per tenant.
 */
export function keptSettings(tenants: Pick<TenantDirectory, 'getTenantSettings'>): TenantCache<TenantSettings | null> {
  let cache = settingsCaches.get(tenants);
  if (!cache) {
    cache = new TenantCache({ read: (tenantId) => tenants.getTenantSettings(tenantId) });
    settingsCaches.set(tenants, cache);
  }
  return cache;
}

const settingsCaches = new WeakMap<Pick<TenantDirectory, 'getTenantSettings'>, TenantCache<TenantSettings | null>>();

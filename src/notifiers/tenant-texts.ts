import { tellEveryNode, type IoServer } from '../gateways/io';
import type { Logger } from 'pino';
import type { RedisClient } from '../gateways/redis';

/**
 * Per tenant, how often what its messages and points are made of (settings, branding, templates, points rate)
 * changed: the services that write them say so, here and on every other node, and every cache keyed on it (the
 * {@link TemplateCatalog}, {@link TenantCache}) reads them afresh from then on. A cached copy of an older count is
 * stale. When Redis could not carry a change to the other nodes, they see it once their copy is older than its time
 * to live; a node whose adapter connection comes back counts everything as changed (it may have missed some).
 */
const changes = new Map<string, number>();
/** Rises when every tenant is to count as changed (the adapter's connection is back). */
let everything = 0;
/** The nodes of this process that tell the others of a change (one is enough: they share `changes`). */
const broadcasts = new Set<TenantChanges>();

function count(tenantId: string): void {
  changes.set(tenantId, (changes.get(tenantId) ?? 0) + 1);
}

/**
 * Says that the tenant's settings, branding, templates or points rate were just written: counted here at once, and
 * resolved once every other node counted it too (or the wait ran out, logged).
 */
export async function tenantTextsChanged(tenantId: string): Promise<void> {
  count(tenantId);
  const [broadcast] = broadcasts;
  await broadcast?.tell(tenantId);
}

/** How many times the tenant's texts changed as this process knows (a cached copy of an older count is stale). */
export function tenantTextsVersion(tenantId: string): number {
  return everything + (changes.get(tenantId) ?? 0);
}

export interface TenantChangesOptions {
  logger: Logger;
  /**
   * How long a change waits for every other node's answer before it is answered anyway (those nodes see it within
   * their caches' time to live).
   * @default 3000
   */
  answerWaitMs?: number;
}

/** A node's part in tenant changes: it tells the other nodes of those made here, and hears of theirs. */
export class TenantChanges {
  private io: IoServer | null = null;
  private subscriber: Pick<RedisClient, 'on' | 'off'> | null = null;
  private readonly answerWaitMs: number;

  constructor(private readonly options: TenantChangesOptions) {
    this.answerWaitMs = options.answerWaitMs ?? 3000;
  }

  /** Hears the other nodes' changes through the cluster's Socket.IO server and tells them of this process's. */
  connect(io: IoServer, subscriber?: Pick<RedisClient, 'on' | 'off'>): void {
    this.io = io;
    io.on('tenant_changed', (tenantId, reply) => {
      if (typeof tenantId === 'string') count(tenantId);
      if (typeof reply === 'function') reply(true);
    });
    this.subscriber = subscriber ?? null;
    this.subscriber?.on('ready', this.missedSome);
    broadcasts.add(this);
  }

  close(): void {
    broadcasts.delete(this);
    this.subscriber?.off('ready', this.missedSome);
    this.subscriber = null;
    this.io = null;
  }

  async tell(tenantId: string): Promise<void> {
    if (!this.io) return;
    const error = await tellEveryNode(this.io, ['tenant_changed', tenantId], this.answerWaitMs);
    if (error) this.options.logger.warn({ err: error, tenant_id: tenantId }, 'tenant change not confirmed by every node (they see it within their caches\' time to live)');
  }

  private readonly missedSome = (): void => {
    everything++;
  };
}

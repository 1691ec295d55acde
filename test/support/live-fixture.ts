/**
 * The live tests' fixture: two in-process nodes sharing a DATA_DIR and a REDIS_PREFIX of their own (a cluster on one
 * machine), for the file or for each test. Every socket and TrackingClient a test opened (test/support/sockets.ts) is
 * closed after each test; after the file (or the test) the nodes are stopped, their directory removed and their
 * prefix's keys dropped. On request a tenant is created on node A whenever the pair starts.
 */
import type { Client } from './http';
import { unique } from './ids';
import { startPair, type TestNode, type TestPair } from './node';
import { dropPrefix } from './redis-keys';
import { closeAllSockets } from './sockets';
import type { Tenant } from './tenant';
import { withTenant, type TenantNode } from './tenant-node';

export interface LiveClusterOptions {
  /** Whether the file shares one pair, or each test starts its own. @default file */
  per?: 'file' | 'test';
  /** Settings of both nodes besides their REDIS_PREFIX, asked for when they start. */
  env?: () => Record<string, string>;
  /** The name of a tenant to create on node A each time the pair starts (`tenant`, `biz`). @default none */
  tenant?: string;
  /** Runs once the pair (and its tenant) is up, before the file's (or each) test. */
  ready?: (cluster: LiveCluster) => unknown;
}

export interface LiveCluster {
  readonly a: TestNode;
  readonly b: TestNode;
  /** The pair's REDIS_PREFIX (its channels are named after it). */
  readonly prefix: string;
  /** The tenant asked for with the `tenant` option. */
  readonly tenant: Tenant;
  /** That tenant's business client on node A. */
  readonly biz: Client;
}

/** Registers the fixture's hooks (call it at the top of a file or a describe) and returns its handle. */
export function liveCluster(name: string, { per = 'file', env = () => ({}), tenant, ready }: LiveClusterOptions = {}): LiveCluster {
  let pair: TestPair | undefined;
  let prefix: string | undefined;
  let access: TenantNode | undefined;
  const started = (): TestPair => {
    if (!pair) throw new Error(`the ${name} live cluster is used before it started`);
    return pair;
  };
  const start = async (): Promise<void> => {
    prefix = unique(name);
    pair = await startPair({ REDIS_PREFIX: prefix, ...env() });
    if (tenant !== undefined) access = await withTenant(pair.a, tenant);
    await ready?.(handle);
  };
  const stop = async (): Promise<void> => {
    closeAllSockets();
    const stopping = pair;
    pair = undefined;
    access = undefined;
    await stopping?.close();
    if (prefix) await dropPrefix(prefix);
  };
  const tenantAccess = (): TenantNode => {
    started();
    if (!access) throw new Error(`the ${name} live cluster has no tenant (see the tenant option)`);
    return access;
  };
  const handle: LiveCluster = {
    get a() {
      return started().a;
    },
    get b() {
      return started().b;
    },
    get prefix() {
      started();
      return prefix!;
    },
    get tenant() {
      return tenantAccess().tenant;
    },
    get biz() {
      return tenantAccess().biz;
    },
  };
  if (per === 'file') {
    beforeAll(start);
    afterEach(closeAllSockets);
    afterAll(stop);
  } else {
    beforeEach(start);
    afterEach(stop);
  }
  return handle;
}

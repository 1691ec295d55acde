/**
 * The live tests' fixture: two in-process nodes sharing a DATA_DIR and a REDIS_PREFIX of their own (a cluster on one
 * machine), for the file or for each test. Every socket and TrackingClient a test opened (test/support/sockets.ts) is
 * closed after each test; after the file (or the test) the nodes are stopped, their directory removed and their
 * prefix's keys dropped.
 */
import { unique } from './ids';
import { startPair, type TestNode, type TestPair } from './node';
import { dropPrefix } from './redis-keys';
import { closeAllSockets } from './sockets';

export interface LiveClusterOptions {
  /** Whether the file shares one pair, or each test starts its own. @default file */
  per?: 'file' | 'test';
  /** Settings of both nodes besides their REDIS_PREFIX, asked for when they start. */
  env?: () => Record<string, string>;
}

export interface LiveCluster {
  readonly a: TestNode;
  readonly b: TestNode;
  /** The pair's REDIS_PREFIX (its channels are named after it). */
  readonly prefix: string;
}

/** Registers the fixture's hooks (call it at the top of a file or a describe) and returns its handle. */
export function liveCluster(name: string, { per = 'file', env = () => ({}) }: LiveClusterOptions = {}): LiveCluster {
  let pair: TestPair | undefined;
  let prefix: string | undefined;
  const started = (): TestPair => {
    if (!pair) throw new Error(`the ${name} live cluster is used before it started`);
    return pair;
  };
  const start = async (): Promise<void> => {
    prefix = unique(name);
    pair = await startPair({ REDIS_PREFIX: prefix, ...env() });
  };
  const stop = async (): Promise<void> => {
    closeAllSockets();
    const stopping = pair;
    pair = undefined;
    await stopping?.close();
    if (prefix) await dropPrefix(prefix);
  };
  if (per === 'file') {
    beforeAll(start);
    afterEach(closeAllSockets);
    afterAll(stop);
  } else {
    beforeEach(start);
    afterEach(stop);
  }
  return {
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
  };
}

/**
 * Separate "hosts" on this machine for partition tests: a bridge in the root network namespace and one network
 * namespace per host, joined to it by a veth pair, each with an address of its own. A host's path to one address
 * (Redis, the database, its clients) is cut with a blackhole rule or route, so packets on it are dropped without a
 * reset, as in a real partition, while every other path keeps working.
 *
 * Needs root and iproute2 (`ip netns`); {@link netnsUnavailable} says why not, so a test can skip.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** iproute2's `ip`, wherever this machine keeps it. */
export const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((candidate) => fs.existsSync(candidate)) ?? 'ip';

async function ip(...args: string[]): Promise<string> {
  return (await run(IP, args)).stdout;
}

/**
 * Why namespaces cannot be made here (not Linux, not root, `ip netns` missing or refused), or null when they can.
 * Synchronous, so a test file can choose `describe.skip` while jest collects it.
 */
export function netnsUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = `trk-probe-${randomBytes(3).toString('hex')}`;
  try {
    execFileSync(IP, ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync(IP, ['netns', 'del', probe], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `\`ip netns\` does not work here: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** One host: a namespace with one address on the bridge. */
export interface Host {
  /** The namespace name, for `ip netns exec`. */
  ns: string;
  address: string;
  /**
   * Cuts the path between this host and `peer` (a service address, or the gateway for the test's own clients)
   * until {@link heal}: packets on it are dropped without a reset or a local error. Idempotent.
   */
  cut(peer: string): Promise<void>;
  heal(peer: string): Promise<void>;
}

/** A cut path: the `ip` arguments that add or delete it. */
type Cut = (verb: 'add' | 'del') => string[];

/** A bridge in the root namespace and the hosts on it. */
export interface Network {
  /** The root namespace's own address on the bridge: the source of every connection the test process opens. */
  gateway: string;
  /**
   * Adds another address of the root namespace on the bridge (a /32, so the gateway address stays the source of
   * the test's own connections), for a server the hosts reach: Redis, a proxy to the database.
   */
  addService(): Promise<string>;
  /** Makes a new host (namespace + veth pair + address, loopback up, default route via the gateway). */
  addHost(): Promise<Host>;
  /** Deletes every namespace and link of this network. Safe to call more than once and after a failed start. */
  destroy(): Promise<void>;
}

/** Makes a bridge on a /24 of 10.77.0.0/16 that no interface here uses yet, with names unique to this run. */
export async function createNetwork(): Promise<Network> {
  const id = randomBytes(3).toString('hex');
  const used = await ip('-4', '-o', 'addr');
  const free = Array.from({ length: 250 }, (_, i) => i + 1).filter((octet) => !used.includes(`10.77.${octet}.`));
  if (free.length === 0) throw new Error('no free 10.77.x.0/24 for a test network');
  const subnet = `10.77.${free[Math.floor(Math.random() * free.length)]}`;
  const bridge = `trkb${id}`;
  const namespaces: string[] = [];
  const links: string[] = [bridge];
  let nextService = 2;
  let nextHost = 11;

  const gateway = `${subnet}.1`;
  /** Cuts in force, as the `ip` arguments that add or delete them; root-namespace rules outlive the namespaces. */
  const rules = new Set<Cut>();

  const destroy = async (): Promise<void> => {
    for (const rule of [...rules]) await ip(...rule('del')).catch(() => undefined);
    rules.clear();
    // Deleting a namespace deletes its end of each veth pair, and with it the other end.
    for (const ns of namespaces.splice(0)) await ip('netns', 'del', ns).catch(() => undefined);
    for (const link of links.splice(0).reverse()) await ip('link', 'del', link).catch(() => undefined);
  };

  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
  } catch (error) {
    await destroy();
    throw error;
  }

  return {
    gateway,
    addService: async () => {
      const address = `${subnet}.${nextService++}`;
      await ip('addr', 'add', `${address}/32`, 'dev', bridge);
      return address;
    },
    addHost: async () => {
      const index = nextHost++;
      const ns = `trk-${id}-${index}`;
      const outer = `trk${id}h${index}`;
      const inner = `trk${id}n${index}`;
      const address = `${subnet}.${index}`;
      await ip('netns', 'add', ns);
      namespaces.push(ns);
      await ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', inner, 'netns', ns);
      links.push(outer);
      await ip('link', 'set', outer, 'master', bridge);
      await ip('link', 'set', outer, 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
      await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', inner);
      await ip('-n', ns, 'link', 'set', inner, 'up');
      // The services' /32 addresses are not on the /24: reach them through the root namespace.
      await ip('-n', ns, 'route', 'add', 'default', 'via', `${subnet}.1`);
      const cuts = new Map<string, Cut>();
      return {
        ns,
        address,
        cut: async (peer) => {
          if (cuts.has(peer)) return;
          // Drop what the far end sends, so that nothing fails locally on this host: its connects and requests hang
          // unanswered, as behind a real partition. A service's socket is bound to its address, so a rule in the
          // root namespace catches its answers; the test's own client sockets are not, so this host drops its
          // answers to the gateway address instead.
          const rule: Cut =
            peer === gateway
              ? (verb) => ['-n', ns, 'route', verb, 'blackhole', `${peer}/32`]
              : (verb) => ['rule', verb, 'from', `${peer}/32`, 'to', `${address}/32`, 'blackhole'];
          await ip(...rule('add'));
          cuts.set(peer, rule);
          rules.add(rule);
        },
        heal: async (peer) => {
          const rule = cuts.get(peer);
          if (!rule) return;
          await ip(...rule('del'));
          cuts.delete(peer);
          rules.delete(rule);
        },
      };
    },
    destroy,
  };
}

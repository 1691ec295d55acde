/**
 * A TCP failover proxy on 127.0.0.1, like a load balancer with health checks in front of a cluster's nodes: each
 * new client connection goes to the first target that accepts it, so when a node stops, new connections land on
 * the next one. A test can hold new connections (accepted, but not passed on) to keep a client reconnecting
 * for as long as it needs, then release them.
 */
import net from 'node:net';

export interface FailoverProxy {
  port: number;
  /** `http://127.0.0.1:<port>`: what a browser opens instead of a node's own address. */
  url: string;
  /** How many client connections went to the target on `port` so far. */
  routedTo(port: number): number;
  /** New connections wait (their bytes kept) until `release`; open ones are left alone. */
  hold(): void;
  /** Passes the held connections on, and every later one at once. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a proxy to `targetPorts` on 127.0.0.1, tried in this order for each new connection. */
export async function startFailoverProxy(targetPorts: number[]): Promise<FailoverProxy> {
  if (targetPorts.length === 0) throw new Error('startFailoverProxy: at least one target port');
  const open = new Set<net.Socket>();
  const routed = new Map<number, number>();
  let held: net.Socket[] | null = null;

  const track = (socket: net.Socket): void => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };

  /** Connects `downstream` to the first target from `index` on that accepts; closes it when none does. */
  const route = (downstream: net.Socket, index = 0): void => {
    if (downstream.destroyed) return;
    const port = targetPorts[index];
    if (port === undefined) {
      downstream.destroy();
      return;
    }
    const upstream = net.connect(port, '127.0.0.1');
    const refused = (): void => {
      upstream.destroy();
      route(downstream, index + 1);
    };
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      routed.set(port, (routed.get(port) ?? 0) + 1);
      track(upstream);
      const closeBoth = (): void => {
        downstream.destroy();
        upstream.destroy();
      };
      for (const socket of [downstream, upstream]) {
        socket.on('error', closeBoth);
        socket.on('close', closeBoth);
      }
      // Bytes the client sent meanwhile were kept in the paused downstream; piping passes them on first.
      downstream.pipe(upstream);
      upstream.pipe(downstream);
    });
  };

  const server = net.createServer({ pauseOnConnect: true }, (downstream) => {
    track(downstream);
    // Until it is routed, a client that gives up only closes its own side.
    downstream.on('error', () => downstream.destroy());
    if (held) held.push(downstream);
    else route(downstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    routedTo: (target) => routed.get(target) ?? 0,
    hold: () => {
      held ??= [];
    },
    release: () => {
      const waiting = held ?? [];
      held = null;
      for (const downstream of waiting) route(downstream);
    },
    close: async () => {
      held = null;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of open) socket.destroy();
      await closed;
    },
  };
}

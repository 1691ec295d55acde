/**
 * A TCP proxy on 127.0.0.1 in front of a real server (Redis, a database), which a test can cut and heal: a way to
 * break one connection of a node without killing the server the other connections use.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** `scheme://<host>:<port>` */
  url(scheme: string): string;
  /** Drops every connection through the proxy and refuses new ones (they are closed at once) until healed. */
  cut(): void;
  heal(): void;
  close(): Promise<void>;
}

const proxies = new Set<TcpProxy>();

/**
 * Starts a proxy to `targetPort` on 127.0.0.1; it listens on 127.0.0.1, or on `host` (an address other network
 * namespaces reach, see test/support/netns.ts).
 */
export async function startTcpProxy(targetPort: number, { host = '127.0.0.1' }: { host?: string } = {}): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((downstream) => {
    if (cut) {
      downstream.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [downstream, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => {
        downstream.destroy();
        upstream.destroy();
      });
    }
    downstream.pipe(upstream);
    upstream.pipe(downstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  const proxy: TcpProxy = {
    port,
    url: (scheme) => `${scheme}://${host}:${port}`,
    cut: () => {
      cut = true;
      for (const socket of open) socket.destroy();
    },
    heal: () => {
      cut = false;
    },
    close: async () => {
      proxies.delete(proxy);
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  proxies.add(proxy);
  return proxy;
}

/** Closes every proxy started through this module. For afterAll. */
export async function closeAllProxies(): Promise<void> {
  await Promise.all([...proxies].map((proxy) => proxy.close()));
}

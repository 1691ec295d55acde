import Redis from 'ioredis';

/**
 * A MONITOR connection of its own, resolved once Redis counts it as monitoring. `redis.monitor()` would leave its
 * connection without an error listener until MONITOR is answered: on a busy Redis the first monitored commands can
 * come in the same read as that answer, before ioredis counts the connection as monitoring, and are taken for replies
 * to no command (an error thrown from the socket's handler). Those are dropped here; any later error is kept in
 * `failures` for the caller to throw.
 */
export async function openMonitor(url: string): Promise<{ monitor: Redis; failures: Error[] }> {
  const monitor = new Redis(url, { monitor: true });
  let monitoring = false;
  const failures: Error[] = [];
  await new Promise<void>((resolve, reject) => {
    monitor.on('error', (error: Error) => {
      if (!monitoring && error.message.startsWith('Command queue state error')) return;
      if (!monitoring) reject(error);
      else failures.push(error);
    });
    monitor.once('monitoring', () => {
      monitoring = true;
      resolve();
    });
  });
  return { monitor, failures };
}

/**
 * Reference for the MQTT path: a bare subscriber with the `mqtt` package, as the product connects (MQTT 5, QoS 1, a
 * shared subscription to the same topic filter), that JSON-parses each message and counts it — no device keys, no
 * couriers, no store. Its count is at `GET /count` (`{ received, unparsable }`); prints { url, pid } once subscribed.
 *   MQTT_URL     the broker
 *   MQTT_FILTER  the topic filter (subscribed to as `$share/bench-reference/<filter>`)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectAsync } from 'mqtt';

async function main(): Promise<void> {
  const url = process.env.MQTT_URL;
  const filter = process.env.MQTT_FILTER;
  if (!url || !filter) throw new Error('MQTT_URL and MQTT_FILTER must be set');
  let received = 0;
  let unparsable = 0;
  const client = await connectAsync(url, { protocolVersion: 5, properties: { receiveMaximum: 100 } });
  client.on('message', (_topic, payload) => {
    try {
      JSON.parse(payload.toString());
      received += 1;
    } catch {
      unparsable += 1;
    }
  });
  await client.subscribeAsync(`$share/bench-reference/${filter}`, { qos: 1 });

  const server = http.createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ received, unparsable }));
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
  });

  const shutdown = (): void => {
    server.close();
    client.end(true, () => process.exit(0));
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

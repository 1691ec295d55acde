/**
 * Trackers on the wire: MQTT clients that publish positions to a test's broker (test/support/mosquitto.ts) at QoS 1,
 * as a tracker would. Every one opened here is closed by `closeAllPublishers` (afterEach/afterAll).
 */
import { connectAsync, type MqttClient } from 'mqtt';

const publishers = new Set<MqttClient>();

/** A connected publisher (MQTT 5, no reconnect: a test that cuts the broker opens a new one). */
export async function connectPublisher(url: string): Promise<MqttClient> {
  const client = await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
  publishers.add(client);
  return client;
}

/** Publishes at QoS 1 and resolves once the broker has the message. */
export async function publish(client: MqttClient, topic: string, payload: string | Buffer | object): Promise<void> {
  const bytes = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  await client.publishAsync(topic, bytes, { qos: 1 });
}

/** Closes every publisher opened here. */
export async function closeAllPublishers(): Promise<void> {
  const open = [...publishers];
  publishers.clear();
  await Promise.all(open.map((client) => client.endAsync(true)));
}

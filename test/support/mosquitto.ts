/**
 * The suite's one MQTT broker launcher: a private mosquitto on a port of its own (the one on 1883 is shared and must
 * not suffer outages), which a test can stop, kill and start again on the same port. Its log is kept line by line and
 * can be awaited (clients connecting and disconnecting are in it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { freePort } from './ports';
import { removeDir, tempDir } from './temp-dir';

// Debian's package installs it in /usr/sbin, which is not on every user's PATH.
const MOSQUITTO = fs.existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto';

export interface MqttBroker {
  port: number;
  /** `mqtt://127.0.0.1:<port>`. */
  url: string;
  /** Whether the broker process is up. */
  readonly running: boolean;
  /** Every line the broker logged, over all its runs. */
  readonly output: string[];
  /** Resolves with the first line logged from `from` on (an index of `output`) that `match` accepts. */
  waitForLine(match: (line: string) => boolean, from?: number, timeoutMs?: number): Promise<string>;
  /** Shuts it down (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Ends it at once (SIGKILL), as a crash would: its sessions are gone with it (no persistence). */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

const brokers = new Set<MqttBroker>();

export interface BrokerOptions {
  /** More lines of mosquitto.conf (a benchmark's `max_queued_messages 0`). @default none */
  settings?: string[];
}

/** Starts a private, empty mosquitto (anonymous clients allowed) and resolves once it accepts connections. */
export async function startBroker({ settings = [] }: BrokerOptions = {}): Promise<MqttBroker> {
  const port = await freePort();
  const dir = tempDir('mosquitto-');
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', 'log_timestamp false', ...settings];
  fs.writeFileSync(conf, `${lines.join('\n')}\n`);
  const output: string[] = [];
  const logged = new EventEmitter();
  const record = (line: string): void => {
    output.push(line);
    logged.emit('line', line);
  };
  let child: ChildProcess | null = await launch(conf, record);
  const ended = (): boolean => !child || child.exitCode !== null || child.signalCode !== null;
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      // A broker busy with its clients' sessions has been seen to outlast SIGTERM by over 40 s on a loaded machine:
      // killed outright after 5 s (the tests stop a broker to take it away, not to watch it shut down).
      const force = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      proc.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      proc.kill(signal);
    });
  };
  const broker: MqttBroker = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get running() {
      return !ended();
    },
    output,
    waitForLine: (match, from = 0, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const seen = output.slice(from).find(match);
        if (seen !== undefined) return resolve(seen);
        const timer = setTimeout(() => {
          logged.off('line', onLine);
          reject(new Error(`the broker logged no matching line within ${timeoutMs} ms; it logged:\n${output.slice(from).join('\n')}`));
        }, timeoutMs);
        const onLine = (line: string): void => {
          if (!match(line)) return;
          clearTimeout(timer);
          logged.off('line', onLine);
          resolve(line);
        };
        logged.on('line', onLine);
      }),
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    start: async () => {
      if (!ended()) throw new Error('mosquitto is already running');
      child = await launch(conf, record);
    },
    close: async () => {
      brokers.delete(broker);
      await end('SIGTERM');
      removeDir(dir);
    },
  };
  brokers.add(broker);
  return broker;
}

/** Closes every broker started here. For afterAll. */
export async function stopAllBrokers(): Promise<void> {
  await Promise.all([...brokers].map((broker) => broker.close()));
}

function launch(conf: string, record: (line: string) => void, timeoutMs = 10_000): Promise<ChildProcess> {
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mosquitto did not start within ${timeoutMs} ms:\n${seen.join('\n')}`));
    }, timeoutMs);
    const onLine = (line: string): void => {
      seen.push(line);
      record(line);
      // Logged once its listeners are open.
      if (/mosquitto version \S+ running/.test(line)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    readline.createInterface({ input: child.stderr! }).on('line', onLine);
    readline.createInterface({ input: child.stdout! }).on('line', onLine);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`mosquitto exited (code ${code}, signal ${signal}) before it was ready:\n${seen.join('\n')}`));
    });
  });
}

/**
 * A local push service (RFC 8030) for the Web Push tests, and the devices subscribed at it. Each device is what a
 * browser holds: a P-256 key pair and a 16-byte auth secret (RFC 8291), and an endpoint here. Every message posted to
 * an endpoint has its VAPID header checked (RFC 8292: an ES256 JWT whose `aud` is this service's origin, `exp` within
 * 24 hours, a `sub`, signed by the key `k` the device subscribed with) and its `aes128gcm` body decrypted with the
 * device's keys (`http_ece`), then recorded. A test tells it how to answer a device's message (410, 429, 500...).
 *
 * It serves HTTPS with a certificate made for it (openssl), which a node in the test's process trusts through
 * `pushCa` and a spawned one through `NODE_EXTRA_CA_CERTS` (`caFile`); or plain HTTP, which the server takes with
 * `WEBHOOK_ALLOW_PRIVATE=true`.
 */
import { execFileSync } from 'node:child_process';
import { createECDH, createPublicKey, randomBytes, verify, type ECDH } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { decrypt } from 'http_ece';
import { Recorded } from './recorded';
import { removeDir, tempDir } from './temp-dir';

/** A browser's subscription at the push service: what the test posts to the server, and what decrypts its messages. */
export interface PushDevice {
  id: string;
  endpoint: string;
  /** As `PushSubscription.toJSON().keys` gives them (base64url). */
  keys: { p256dh: string; auth: string };
  /** The body of `POST /v1/push-subscriptions`. */
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
}

/** One message posted to an endpoint, as the push service saw it and answered it. */
export interface PushedMessage {
  deviceId: string;
  /** What the service answered. */
  status: number;
  /** The decrypted body, parsed as JSON; null when it could not be decrypted (see `problem`). */
  payload: Record<string, unknown> | null;
  /** The claims of the VAPID JWT. */
  claims: { aud?: unknown; exp?: unknown; sub?: unknown };
  headers: { ttl: string | undefined; topic: string | undefined; urgency: string | undefined; encoding: string | undefined };
  /** What was wrong with the request (the VAPID header, the encryption): answered 400 or 403, as a push service would. */
  problem: string | null;
}

export interface PushServiceOptions {
  /** @default 'https' */
  protocol?: 'https' | 'http';
  /**
   * How a device's message is answered (attempt: 1 for its first message); null: 201, taken. Asked only of a message
   * that passed the checks.
   */
  respond?: (deviceId: string, attempt: number) => number | null;
}

export interface PushServiceStandIn {
  /** The service's origin. */
  url: string;
  /** PEM of the certificate an HTTPS service serves (null for HTTP), and the file holding it (`NODE_EXTRA_CA_CERTS`). */
  ca: string | null;
  caFile: string | null;
  /**
   * A new device subscribed with `applicationServerKey` (the server's VAPID public key): messages not signed by that
   * key are refused 403, as a push service refuses them.
   */
  device(applicationServerKey: string): PushDevice;
  messages: PushedMessage[];
  /** Resolves once `n` messages for the device have been answered. */
  waitForMessages(deviceId: string, n?: number, timeoutMs?: number): Promise<PushedMessage[]>;
  /** The device's messages so far. */
  messagesTo(deviceId: string): PushedMessage[];
  close(): Promise<void>;
}

interface DeviceState {
  ecdh: ECDH;
  auth: Buffer;
  applicationServerKey: string;
}

const DAY_S = 24 * 3600;

/** Starts the push service on a free port of 127.0.0.1. */
export async function startPushService(options: PushServiceOptions = {}): Promise<PushServiceStandIn> {
  const protocol = options.protocol ?? 'https';
  const devices = new Map<string, DeviceState>();
  const messages = new Recorded<PushedMessage>((items) => items.slice(-20).map(({ deviceId, status, problem }) => ({ deviceId, status, problem })));
  const tls = protocol === 'https' ? certificate() : null;
  let origin = '';

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const deviceId = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '')?.[1] ?? '';
      const device = devices.get(deviceId);
      const headers = {
        ttl: header(req, 'ttl'),
        topic: header(req, 'topic'),
        urgency: header(req, 'urgency'),
        encoding: header(req, 'content-encoding'),
      };
      let claims: PushedMessage['claims'] = {};
      let payload: Record<string, unknown> | null = null;
      let problem: string | null = null;
      let status: number;
      if (req.method !== 'POST' || !device) {
        status = 404;
        problem = 'no such subscription';
      } else {
        const checked = checkVapid(header(req, 'authorization'), origin, device.applicationServerKey);
        claims = checked.claims;
        problem = checked.problem;
        if (!problem && headers.ttl === undefined) problem = 'no TTL header';
        if (!problem && headers.encoding !== 'aes128gcm') problem = `content encoding ${headers.encoding} is not aes128gcm`;
        if (!problem) {
          try {
            const plain = decrypt(Buffer.concat(chunks), { version: 'aes128gcm', privateKey: device.ecdh, authSecret: device.auth });
            payload = JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
          } catch (error) {
            problem = `the body does not decrypt with the subscription's keys: ${(error as Error).message}`;
          }
        }
        if (problem) status = problem.startsWith('VAPID') ? 403 : 400;
        else {
          const attempt = messages.items.filter((message) => message.deviceId === deviceId).length + 1;
          status = options.respond?.(deviceId, attempt) ?? 201;
        }
      }
      res.writeHead(status, status === 201 ? { location: `${origin}/message/${randomBytes(8).toString('hex')}` } : {});
      res.end();
      messages.push({ deviceId, status, payload, claims, headers, problem });
    });
  };

  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handle) : http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `${protocol}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    ca: tls?.cert ?? null,
    caFile: tls?.certFile ?? null,
    device(applicationServerKey) {
      const id = randomBytes(12).toString('base64url');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      devices.set(id, { ecdh, auth, applicationServerKey });
      const endpoint = `${origin}/push/${id}`;
      const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') };
      return { id, endpoint, keys, subscription: { endpoint, keys } };
    },
    messages: messages.items,
    waitForMessages: (deviceId, n = 1, timeoutMs) => messages.waitFor(n, `push messages to ${deviceId}`, (message) => message.deviceId === deviceId, timeoutMs),
    messagesTo: (deviceId) => messages.items.filter((message) => message.deviceId === deviceId),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * RFC 8292: `Authorization: vapid t=<JWT>, k=<public key>`; the JWT is ES256 over `k`, for this service's origin,
 * expiring within a day, with a contact. @returns the JWT's claims and what is wrong (null: nothing)
 */
function checkVapid(authorization: string | undefined, origin: string, applicationServerKey: string): { claims: PushedMessage['claims']; problem: string | null } {
  const match = /^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? '');
  if (!match) return { claims: {}, problem: `VAPID: no "vapid t=…, k=…" authorization (${authorization === undefined ? 'none' : 'another scheme'})` };
  const [, token, key] = match as unknown as [string, string, string];
  const [headerPart = '', claimsPart = '', signature = ''] = token.split('.');
  let claims: PushedMessage['claims'];
  let jose: { alg?: unknown };
  try {
    jose = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { alg?: unknown };
    claims = JSON.parse(Buffer.from(claimsPart, 'base64url').toString('utf8')) as PushedMessage['claims'];
  } catch {
    return { claims: {}, problem: 'VAPID: the JWT is not JSON' };
  }
  if (jose.alg !== 'ES256') return { claims, problem: `VAPID: alg ${String(jose.alg)} is not ES256` };
  if (key !== applicationServerKey) return { claims, problem: 'VAPID: k is not the key the subscription was made with' };
  const point = Buffer.from(key, 'base64url');
  const publicKey = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  });
  const signed = verify('sha256', Buffer.from(`${headerPart}.${claimsPart}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!signed) return { claims, problem: 'VAPID: the JWT signature does not verify with k' };
  if (claims.aud !== origin) return { claims, problem: `VAPID: aud ${String(claims.aud)} is not ${origin}` };
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + DAY_S) {
    return { claims, problem: `VAPID: exp ${String(claims.exp)} is not within 24 hours from now` };
  }
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) return { claims, problem: 'VAPID: no mailto: or https: sub' };
  return { claims, problem: null };
}

let made: { key: string; cert: string; certFile: string } | null = null;

/** A self-signed certificate for 127.0.0.1, made once per test process. */
function certificate(): { key: string; cert: string; certFile: string } {
  if (made) return made;
  const dir = tempDir('push-service-');
  process.once('exit', () => removeDir(dir));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
      '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  made = { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8'), certFile };
  return made;
}

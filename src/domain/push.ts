/**
 * Web Push (API.md "Web Push"): what a browser's push subscription must be for the server to keep it, and the VAPID
 * key pair the server signs its pushes with (RFC 8292). Pure: an endpoint's address is resolved by the caller
 * (src/notifiers/destination-guard.ts), as webhook URLs are.
 */
import { createECDH } from 'node:crypto';
import { MAX_WEBHOOK_URL_LENGTH } from './webhook-destination';

/** Longest endpoint kept; the push services browsers use hand out a few hundred characters. */
export const MAX_PUSH_ENDPOINT_LENGTH = MAX_WEBHOOK_URL_LENGTH;

/**
 * Push subscriptions one customer may hold: a phone, a tablet, a laptop or two, each browser with its own, and the
 * subscriptions a browser left behind until the push service says they are gone.
 */
export const MAX_PUSH_SUBSCRIPTIONS_PER_CUSTOMER = 10;

/** Push subscriptions one tracking link may hold: the devices of the few people it was shared with. */
export const MAX_PUSH_SUBSCRIPTIONS_PER_LINK = 10;

// An uncompressed P-256 point: 0x04, then x and y of 32 bytes each.
const P256_POINT_BYTES = 65;
// RFC 8291: the authentication secret is 16 random bytes.
const AUTH_SECRET_BYTES = 16;
const P256_PRIVATE_KEY_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** A push subscription's keys as the browser gives them (`PushSubscription.toJSON().keys`), base64url. */
export interface PushKeys {
  /** The browser's ECDH public key (P-256, uncompressed). */
  p256dh: string;
  /** The authentication secret (16 bytes). */
  auth: string;
}

/**
 * Parses a push endpoint: `https:` with a host, or also `http:` where the server may reach private addresses (local
 * development and tests: `WEBHOOK_ALLOW_PRIVATE`). @returns the URL, or what is wrong with it
 */
export function parsePushEndpoint(text: string, allowHttp: boolean): { url: URL } | { problem: string } {
  if (text.length > MAX_PUSH_ENDPOINT_LENGTH) return { problem: `must be at most ${MAX_PUSH_ENDPOINT_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'must be an absolute https URL' };
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return { problem: 'must be an https URL' };
  if (url.hostname === '') return { problem: 'must name a host' };
  if (url.username !== '' || url.password !== '') return { problem: 'must not carry a user name or password' };
  return { url };
}

/** The base64url text without padding (how browsers write keys), or null when it is not base64url. */
function unpadded(text: string): string | null {
  return BASE64URL.test(text) ? text.replace(/=+$/, '') : null;
}

/**
 * What is wrong with a subscription's keys, field by field (`p256dh`, `auth`); empty when they are a P-256 point on
 * the curve and a 16-byte secret. @returns the problems, and the keys as kept (base64url without padding)
 */
export function checkPushKeys(keys: PushKeys): { keys: PushKeys; problems: Array<{ field: keyof PushKeys; message: string }> } {
  const problems: Array<{ field: keyof PushKeys; message: string }> = [];
  const p256dh = unpadded(keys.p256dh);
  const auth = unpadded(keys.auth);
  if (p256dh === null || !isP256Point(Buffer.from(p256dh, 'base64url'))) {
    problems.push({ field: 'p256dh', message: 'must be a base64url P-256 public key (65 bytes, uncompressed)' });
  }
  if (auth === null || Buffer.from(auth, 'base64url').length !== AUTH_SECRET_BYTES) {
    problems.push({ field: 'auth', message: `must be a base64url secret of ${AUTH_SECRET_BYTES} bytes` });
  }
  return { keys: { p256dh: p256dh ?? keys.p256dh, auth: auth ?? keys.auth }, problems };
}

/** Whether `bytes` is an uncompressed point on P-256 (a key the push message can be encrypted to). */
function isP256Point(bytes: Buffer): boolean {
  if (bytes.length !== P256_POINT_BYTES || bytes[0] !== 0x04) return false;
  try {
    // OpenSSL refuses a point that is not on the curve.
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    ecdh.computeSecret(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The server's VAPID key pair (RFC 8292), base64url as the Push API and `web-push` take them. */
export interface VapidKeys {
  /** The uncompressed P-256 public key (65 bytes): what browsers subscribe with (`applicationServerKey`). */
  publicKey: string;
  /** The private key (32 bytes). */
  privateKey: string;
}

/** A new VAPID key pair. */
export function generateVapidKeys(): VapidKeys {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // A private key with leading zero bytes comes back shorter; VAPID wants all 32.
  const privateKey = Buffer.alloc(P256_PRIVATE_KEY_BYTES);
  const raw = ecdh.getPrivateKey();
  raw.copy(privateKey, P256_PRIVATE_KEY_BYTES - raw.length);
  return { publicKey: ecdh.getPublicKey().toString('base64url'), privateKey: privateKey.toString('base64url') };
}

/**
 * What is wrong with a VAPID key pair, naming the key at fault; null when the public key is a P-256 point and the
 * private key is the one it belongs to.
 */
export function vapidKeysProblem(keys: VapidKeys): { key: 'publicKey' | 'privateKey'; message: string } | null {
  const publicKey = unpadded(keys.publicKey);
  if (publicKey === null || !isP256Point(Buffer.from(publicKey, 'base64url'))) {
    return { key: 'publicKey', message: 'must be a base64url P-256 public key (65 bytes, uncompressed)' };
  }
  const privateKey = unpadded(keys.privateKey);
  const privateBytes = privateKey === null ? null : Buffer.from(privateKey, 'base64url');
  if (privateBytes === null || privateBytes.length !== P256_PRIVATE_KEY_BYTES) {
    return { key: 'privateKey', message: `must be a base64url P-256 private key (${P256_PRIVATE_KEY_BYTES} bytes)` };
  }
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(privateBytes);
  } catch {
    return { key: 'privateKey', message: 'is not a valid P-256 private key' };
  }
  if (!ecdh.getPublicKey().equals(Buffer.from(publicKey, 'base64url'))) {
    return { key: 'privateKey', message: 'does not belong to VAPID_PUBLIC_KEY' };
  }
  return null;
}

/** A VAPID subject (RFC 8292): a `mailto:` address or an `https:` URL the push service can reach the sender at. */
export function isVapidSubject(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'mailto:' && url.pathname.includes('@')) || (url.protocol === 'https:' && url.hostname !== '');
  } catch {
    return false;
  }
}

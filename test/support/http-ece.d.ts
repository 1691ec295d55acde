/** The part of `http_ece` (Encrypted Content-Encoding for HTTP, RFC 8188) the test kit's push service uses. */
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  /** Decrypts an `aes128gcm` body as a push subscription's browser does (RFC 8291): its key pair and auth secret. */
  export function decrypt(buffer: Buffer, params: { version: 'aes128gcm'; privateKey: ECDH; authSecret: Buffer | string }): Buffer;
}

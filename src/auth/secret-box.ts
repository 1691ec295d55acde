import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * What a secret kept in the store is for. With the record it belongs to and its tenant, it is the associated data
 * the value is sealed with: a sealed value copied into another record, tenant or purpose does not open there.
 */
export type SecretPurpose = 'webhook-secret' | 'source-secret' | 'payment-provider-credentials';

/** Where a secret is kept: whose it is, what it is for, and the record holding it. */
export interface SecretScope {
  tenantId: string;
  purpose: SecretPurpose;
  recordId: string;
}

/** The prefix of a sealed value; a plain one (kept before `SECRETS_KEY` was set) never starts with it. */
export const SEALED_PREFIX = 'v1:';

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRETS_KEY_BYTES = 32;

/** A sealed value that does not open: another key, another scope, or altered bytes. Never says which. */
export class SecretOpenError extends Error {
  constructor(message = 'a stored secret could not be opened (another SECRETS_KEY, or the value was altered or moved)') {
    super(message);
    this.name = 'SecretOpenError';
  }
}

/**
 * Seals the secrets the store keeps (webhook and source signing secrets, payment providers' credentials) with
 * AES-256-GCM under `SECRETS_KEY`: `v1:` then base64url of a random 12-byte IV, the 16-byte tag and the ciphertext.
 * Without a key, values are kept as given. Plain values stay readable either way, so a store written before the key
 * was set keeps working; each is sealed when it is next written.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer | null) {}

  /** A box that seals with `key` (32 bytes). */
  static withKey(key: Buffer): SecretBox {
    if (key.length !== SECRETS_KEY_BYTES) throw new RangeError(`SecretBox: the key must be ${SECRETS_KEY_BYTES} bytes`);
    return new SecretBox(Buffer.from(key));
  }

  /** A box that keeps values as given (no `SECRETS_KEY`). */
  static plain(): SecretBox {
    return new SecretBox(null);
  }

  /** Whether values written now are sealed. */
  get seals(): boolean {
    return this.key !== null;
  }

  /** The value to keep for `plain` in `scope`: sealed with a key, as given without one. */
  seal(plain: string, scope: SecretScope): string {
    if (!this.key) return plain;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(scope));
    const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
  }

  /**
   * The secret a kept value holds: a plain value as it is, a sealed one opened.
   * @throws SecretOpenError for a sealed value without a key, with another key, in another scope, or altered
   */
  open(stored: string, scope: SecretScope): string {
    if (!isSealed(stored)) return stored;
    if (!this.key) throw new SecretOpenError('a stored secret is sealed and SECRETS_KEY is not set');
    const bytes = Buffer.from(stored.slice(SEALED_PREFIX.length), 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretOpenError();
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(scope));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretOpenError();
    }
  }
}

/** Whether a kept value is sealed (as opposed to plain). */
export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED_PREFIX);
}

/**
 * `SECRETS_KEY` as bytes: 64 hex digits, or base64 / base64url of 32 bytes.
 * @throws RangeError saying what is wrong (never the value)
 */
export function parseSecretsKey(text: string): Buffer {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$|^[A-Za-z0-9_-]{43}=?$/.test(value)) {
    const bytes = Buffer.from(value.replace(/=$/, ''), value.includes('-') || value.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === SECRETS_KEY_BYTES) return bytes;
  }
  throw new RangeError(`must be ${SECRETS_KEY_BYTES} bytes, as 64 hex digits or base64 (e.g. openssl rand -base64 32)`);
}

// Unambiguous whatever the parts hold (a JSON array of strings).
function associatedData(scope: SecretScope): Buffer {
  return Buffer.from(JSON.stringify([SEALED_PREFIX, scope.tenantId, scope.purpose, scope.recordId]), 'utf8');
}

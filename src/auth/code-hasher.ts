import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The 6-digit codes sent to a customer's address (confirming it, signing in): made at random, kept only as a keyed
 * hash, so a copy of the store does not let anyone try the million codes offline. Each purpose derives a key of its
 * own from the node's secret (the secret itself keys nothing but tokens), so a code of one purpose never matches as
 * another's.
 */
export class CodeHasher {
  private readonly key: Buffer;

  constructor(secret: string, purpose: string) {
    this.key = createHmac('sha256', secret).update(purpose).digest();
  }

  /** A fresh code: 6 digits, leading zeros kept. */
  static newCode(): string {
    return String(randomInt(0, 1_000_000)).padStart(6, '0');
  }

  /** What is kept of `code`, bound to the id it is kept under. */
  hash(codeId: string, code: string): string {
    return createHmac('sha256', this.key).update(`${codeId}:${code}`).digest('base64url');
  }

  /** Whether `code` is the one kept as `expected`, in constant time. */
  matches(codeId: string, code: string, expected: string): boolean {
    const given = Buffer.from(this.hash(codeId, code));
    const kept = Buffer.from(expected);
    return given.length === kept.length && timingSafeEqual(given, kept);
  }
}

/**
 * What the verifiers share: comparing a signature in constant time, and reading a signed body (only ever after its
 * signature checked out) without trusting its shape.
 */
import { timingSafeEqual } from 'node:crypto';

export type Json = Record<string, unknown>;

/** Whether `given` is `expected`, compared in constant time (the length of an HMAC's encoding is public). */
export function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The body as a JSON object, or undefined when it is not UTF-8 JSON holding an object. */
export function parseObject(rawBody: Buffer): Json | undefined {
  try {
    return asObject(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody)));
  } catch {
    return undefined;
  }
}

/** `value` when it is a JSON object (not an array), else undefined. */
export function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** A date-time text as ISO 8601 in UTC, or null when it is none. */
export function isoDate(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

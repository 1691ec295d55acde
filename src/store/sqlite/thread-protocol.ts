import * as domainErrors from '../../domain/errors';
import type { Store } from '../store';

/**
 * What the node's event loop asks of the store thread: a method of one part of the store (`lifecycle` or a
 * repository, as `REPOSITORY_METHODS` lists them) answered once (`call`) or as an iteration pulled page by page.
 */
export type ThreadRequest =
  | { id: number; op: 'call'; repository: keyof Store; method: string; args: unknown[] }
  | { id: number; op: 'iterate'; repository: keyof Store; method: string; args: unknown[] }
  | { id: number; op: 'next'; iteration: number }
  | { id: number; op: 'return'; iteration: number };

/**
 * What the store thread answers: one reply per request, a note after each group-commit transaction, and what it
 * counted since its last message (transactions and statements, see `countStatements`).
 */
export type ThreadReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerializedError }
  | { batch: [size: number, seconds: number] }
  | { counted: ThreadCounts };

/** Transactions and statements the store thread ran since it last said. */
export interface ThreadCounts {
  transactions: number;
  statements: number;
}

/** An error as it crosses the thread boundary: its class by name and every own field (codes, details). */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
  cause?: SerializedError;
}

// The domain's error classes by name, so a typed error thrown in the store thread is the same class on this side
// (the HTTP mapper and the services match on classes, never on messages).
const CLASSES = new Map<string, { prototype: Error }>(
  (Object.values(domainErrors) as unknown[])
    .filter((value): value is { name: string; prototype: Error } => typeof value === 'function' && value.prototype instanceof Error)
    .map((cls) => [cls.name, cls]),
);

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'cause' && isCloneable(value)) fields[key] = value;
  }
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    fields,
    ...(error.cause !== undefined ? { cause: serializeError(error.cause) } : {}),
  };
}

/** The error again, as an instance of its domain class when it had one (an `SqliteError` keeps its `code`). */
export function deserializeError(serialized: SerializedError): Error {
  const cls = CLASSES.get(serialized.name);
  const error: Error = Object.create(cls ? cls.prototype : Error.prototype);
  Object.defineProperty(error, 'message', { value: serialized.message, writable: true, configurable: true });
  Object.defineProperty(error, 'stack', { value: serialized.stack, writable: true, configurable: true });
  Object.assign(error, serialized.fields);
  if (!cls) Object.defineProperty(error, 'name', { value: serialized.name, writable: true, configurable: true });
  if (serialized.cause) Object.defineProperty(error, 'cause', { value: deserializeError(serialized.cause), writable: true, configurable: true });
  return error;
}

function isCloneable(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value) || (typeof value === 'object' && isPlain(value));
}

function isPlain(value: object): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

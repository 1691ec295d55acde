import { types } from 'node:util';
import { DependencyDownError } from './dependency-state';
import { DomainError } from './domain/errors';
import { HttpError } from './http/http-errors';
import { DeliveryError } from './notifiers/delivery-errors';

/**
 * What of an unexpected error may go in a log: its type and its code (a SQLSTATE such as `22P02`, a Node code
 * such as `ECONNRESET`), never its message, stack or other fields. A database driver's error quotes the values it
 * refused (PostgreSQL's message and `where` name the statement's parameters: a customer's name, an address), and a
 * request's error may carry the request itself; a log line must hold no personal data.
 */
export interface ErrorSummary {
  type: string;
  code?: string;
}

// A code is a short identifier; anything longer or with other characters might be data.
const CODE = /^[A-Za-z0-9_]{1,40}$/;

/** The type and code of a thrown value, and nothing else of it. */
export function errorSummary(error: unknown): ErrorSummary {
  const type = error instanceof Error ? error.constructor.name || 'Error' : typeof error;
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && CODE.test(code) ? { type, code } : { type };
}

/**
 * An error as the log writes it (the logger's `err` serializer): its summary, plus what helps an operator and cannot
 * carry personal data. The message only where its text is ours: our own errors' messages are fixed sentences
 * (naming states, resources and numbers, never a value a client sent: a ValidationError's `details`, which quote
 * the validator and so may quote the input, are left out), and a Node system error's names the call and the peer
 * (`connect ECONNREFUSED 127.0.0.1:6379`). A driver's message, `detail`, `where`, a provider's answer or a SyntaxError
 * quoting the text it could not parse never go in. The stack keeps only its frames (code locations), not its first
 * line, which repeats the message. A `cause` (and an AggregateError's `errors`) is written by these same rules.
 */
export interface LoggedError extends Omit<ErrorSummary, 'code'> {
  code?: string | number;
  message?: string;
  syscall?: string;
  address?: string;
  port?: number;
  stack?: string;
  cause?: LoggedError | null;
  errors?: Array<LoggedError | null>;
}

// Classes whose messages are built by this code from fixed text, names and numbers only.
const OWN_MESSAGES: ReadonlyArray<abstract new (...args: never[]) => Error> = [DomainError, HttpError, DeliveryError, DependencyDownError];
// How deep causes are followed, and how many of an AggregateError's errors are written.
const MAX_DEPTH = 3;
const MAX_ERRORS = 5;
const MAX_FRAMES = 20;
// A V8 frame: `at fn (file:line:col)`, `at file:line:col`, `at fn (<anonymous>)`, `at fn (native)`.
const FRAME = /^\s+at \S.{0,300}(?::\d+:\d+\)?|\(<anonymous>\)|\(native\)|<anonymous>)$/;

/**
 * The logger's serializer of `err` (and `error`): see {@link LoggedError}. A value that is not an Error (a string
 * someone passed as the error, a plain object) is reduced to its type; a summary made by {@link errorSummary} is
 * kept as it is.
 */
export function loggedError(value: unknown): LoggedError | null {
  return describe(value, 0);
}

function describe(value: unknown, depth: number): LoggedError | null {
  if (value === null || value === undefined) return null;
  if (!isError(value)) return isSummary(value) ? { ...value } : { type: typeof value };
  const logged: LoggedError = { type: value.constructor?.name || 'Error' };
  const code = (value as { code?: unknown }).code;
  if ((typeof code === 'string' && CODE.test(code)) || (typeof code === 'number' && Number.isInteger(code))) logged.code = code;
  if (OWN_MESSAGES.some((own) => value instanceof own)) {
    logged.message = value.message;
  } else if (isSystemError(value)) {
    logged.message = value.message;
    logged.syscall = value.syscall;
    if (typeof value.address === 'string') logged.address = value.address;
    if (typeof value.port === 'number') logged.port = value.port;
  }
  const stack = frames(value);
  if (stack) logged.stack = stack;
  if (depth < MAX_DEPTH) {
    if (value.cause !== undefined) logged.cause = describe(value.cause, depth + 1);
    const { errors } = value as { errors?: unknown };
    if (Array.isArray(errors)) logged.errors = errors.slice(0, MAX_ERRORS).map((inner: unknown) => describe(inner, depth + 1));
  }
  return logged;
}

/** An Error, also one made in another realm (Node's own errors, seen from a vm context such as a test runner's). */
function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

/** A Node system error (a failed syscall: refused, reset, not found); node-postgres's and nodemailer's are not. */
function isSystemError(error: Error): error is NodeJS.ErrnoException & { syscall: string; address?: unknown; port?: unknown } {
  const system = error as NodeJS.ErrnoException;
  return typeof system.syscall === 'string' && typeof system.errno === 'number' && typeof system.code === 'string' && CODE.test(system.code);
}

/** The stack's frames without the header (`Type: message`, which may span lines): only `at …` lines are kept. */
function frames(error: Error): string | undefined {
  const { stack, message } = error;
  if (typeof stack !== 'string') return undefined;
  // The header is cut first, so that a message line that looks like a frame is never taken for one.
  const at = message ? stack.indexOf(message) : -1;
  const rest = at >= 0 ? stack.slice(at + message.length) : stack;
  const kept = rest.split('\n').filter((line) => FRAME.test(line)).slice(0, MAX_FRAMES);
  return kept.length > 0 ? kept.join('\n') : undefined;
}

function isSummary(value: unknown): value is ErrorSummary {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { type, code, ...rest } = value as Record<string, unknown>;
  return (
    Object.keys(rest).length === 0 &&
    typeof type === 'string' &&
    CODE.test(type) &&
    (code === undefined || (typeof code === 'string' && CODE.test(code)))
  );
}

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

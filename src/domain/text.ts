/**
 * What counts as text (API.md "Limits (more)": valid UTF-8 without NUL), the same on every store. PostgreSQL
 * refuses NUL outright, and a lone surrogate cannot be written as UTF-8 at all (drivers turn it into U+FFFD, so
 * two different ids would become one); SQLite would keep both. Refusing them where text comes in keeps every store
 * alike and every id what the client sent.
 */

/** Why a text was refused, as a field issue's message says it. */
export const NOT_TEXT_MESSAGE = 'must be valid UTF-8 text without NUL characters';


/** Whether a string is text every store keeps as it is: no NUL, no lone surrogate. */
export function isText(value: string): boolean {
  // No NUL, and well formed: no high surrogate without a low one after it, no low one without a high one before it.
  return !value.includes('\0') && (value as string & { isWellFormed(): boolean }).isWellFormed();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8KeepingBom = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes UTF-8 bytes, refusing any that are not (invalid, truncated or overlong sequences, encoded surrogates)
 * rather than replacing them with U+FFFD, which would make texts that differ only there equal. A leading byte-order
 * mark is dropped unless `keepBom`.
 * @returns the text, or `undefined` when the bytes are not UTF-8
 */
export function decodeUtf8(bytes: Uint8Array, keepBom = false): string | undefined {
  try {
    return (keepBom ? utf8KeepingBom : utf8).decode(bytes);
  } catch {
    return undefined;
  }
}

import {
  MongoBulkWriteError,
  MongoErrorLabel,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
} from 'mongodb';
import { UnavailableError } from '../../domain/errors';

/** The server's code for a write refused by a unique index (insert, upsert, or an update of an indexed key). */
export const DUPLICATE_KEY = 11000;

/** Whether a write lost to a unique index: how every race in this store is told (never by the message). */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && Number(error.code) === DUPLICATE_KEY;
}

/** Whether a bulk insert failed only because some of its documents were there already (each a duplicate key). */
export function onlyDuplicateKeys(error: unknown): boolean {
  if (!(error instanceof MongoBulkWriteError) || error.err) return false;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((writeError) => Number(writeError.code) === DUPLICATE_KEY);
}

// Server codes that mean "this node cannot serve now" rather than "this request is wrong": the server shutting down,
// an election under way (no writable primary), the server failing to reach another member. The driver's own list of
// retryable codes (error.ts, RETRYABLE_READ_ERROR_CODES) is internal, so the ones that are outages are named here.
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/**
 * Whether a failure is the database being out of reach: the network (refused, reset, timed out), no server to select
 * within `serverSelectionTimeoutMS`, the client not connected, or a server saying it cannot serve now (a code above,
 * or the `RetryableWriteError` label a server attaches to such errors). A bug or a refused write is not an outage.
 */
export function isUnavailable(error: unknown): boolean {
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoOperationTimeoutError
  ) {
    return true;
  }
  if (error instanceof MongoServerError) {
    return UNAVAILABLE_CODES.has(Number(error.code)) || error.hasErrorLabel(MongoErrorLabel.RetryableWriteError);
  }
  return false;
}

/** Turns an outage into the typed error the API answers 503 with, keeping the cause; anything else is passed on. */
export function translate(error: unknown): unknown {
  return isUnavailable(error) ? new UnavailableError('database', 1, { cause: error }) : error;
}

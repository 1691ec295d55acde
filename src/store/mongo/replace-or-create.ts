import { isDuplicateKey } from './errors';

/**
 * A replacement by `_id` that creates the document when missing (`replace(true)` is the upsert). Two upserts of one
 * new id at once: the server retries the loser itself when the filter is the `_id` alone (MongoDB 4.2+); should a
 * duplicate key still surface, the document exists now and the replacement is made over it.
 */
export async function replaceOrCreate(replace: (upsert: boolean) => Promise<unknown>): Promise<void> {
  try {
    await replace(true);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await replace(false);
  }
}

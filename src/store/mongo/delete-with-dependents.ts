import type { Document, Filter } from 'mongodb';
import type { MongoCollection } from './database';

/**
 * Deletes the owning document, then the documents that depend on it; false when there was no owner. No transaction:
 * dependents a crash leaves between the two belong to no owner, so nothing that starts from an owner reads them.
 */
export async function deleteWithDependents<Owner extends Document, Dependent extends Document>(
  owners: MongoCollection<Owner>,
  owner: Filter<Owner>,
  dependents: MongoCollection<Dependent>,
  dependent: Filter<Dependent>,
): Promise<boolean> {
  const { deletedCount } = await owners.deleteOne(owner);
  if (deletedCount === 0) return false;
  await dependents.deleteMany(dependent);
  return true;
}

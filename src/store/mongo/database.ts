import type { AnyBulkWriteOperation, Document, Filter, IndexDescription, OptionalUnlessRequiredId, Sort, UpdateFilter, WithId, WithoutId } from 'mongodb';

/**
 * What the MongoDB store uses of a database: the driver's `Db` has it, and so can anything else that answers the
 * same calls (the in-process emulation the tests run the store on when no server is at hand). Each signature is the
 * driver's, narrowed to the options the store passes and the result fields it reads, so a new call or option in the
 * store is a compile error until this interface (and whatever implements it besides the driver) has it too.
 */
export interface MongoDatabase {
  collection<TSchema extends Document>(name: string): MongoCollection<TSchema>;
  /** `ping` only: what `/readyz` asks. */
  command(command: { ping: 1 }): Promise<Document>;
}

/** The options of a `find`: the store reads a projection of a sorted range, cut at a count. */
export interface MongoFindOptions {
  projection?: Document;
  sort?: Sort;
  limit?: number;
}

/** A `find`'s cursor, as the store reads it: the driver's `FindCursor`. */
export interface MongoFindCursor<T> {
  sort(sort: Sort): MongoFindCursor<T>;
  limit(value: number): MongoFindCursor<T>;
  toArray(): Promise<T[]>;
}

/** An `aggregate`'s cursor, read whole: the driver's `AggregationCursor`. */
export interface MongoAggregationCursor<T> {
  toArray(): Promise<T[]>;
}

/** What the store reads of an update's or a replacement's result. */
export interface MongoUpdateCounts {
  matchedCount: number;
  modifiedCount: number;
  upsertedCount: number;
}

/** What the store reads of a deletion's result. */
export interface MongoDeleteCount {
  deletedCount: number;
}

/** A collection, as the store uses it: the driver's `Collection`, narrowed. */
export interface MongoCollection<TSchema extends Document> {
  insertOne(doc: OptionalUnlessRequiredId<TSchema>): Promise<unknown>;
  /** Unordered, every document is tried; a duplicate key fails alone, reported in one `MongoBulkWriteError`. */
  insertMany(docs: ReadonlyArray<OptionalUnlessRequiredId<TSchema>>, options: { ordered: boolean }): Promise<unknown>;
  findOne(filter: Filter<TSchema>, options?: { projection?: Document }): Promise<WithId<TSchema> | null>;
  findOne<T>(filter: Filter<TSchema>, options?: { projection?: Document }): Promise<T | null>;
  find(filter: Filter<TSchema>, options?: MongoFindOptions): MongoFindCursor<WithId<TSchema>>;
  find<T extends Document>(filter: Filter<TSchema>, options?: MongoFindOptions): MongoFindCursor<T>;
  updateOne(filter: Filter<TSchema>, update: UpdateFilter<TSchema>, options?: { upsert?: boolean }): Promise<MongoUpdateCounts>;
  updateMany(filter: Filter<TSchema>, update: UpdateFilter<TSchema>): Promise<MongoUpdateCounts>;
  replaceOne(filter: Filter<TSchema>, replacement: WithoutId<TSchema>, options?: { upsert?: boolean }): Promise<MongoUpdateCounts>;
  /** An update (operators, or a pipeline of stages) answered with the document before it (or after), or null. */
  findOneAndUpdate(
    filter: Filter<TSchema>,
    update: UpdateFilter<TSchema> | Document[],
    options?: { projection?: Document; returnDocument?: 'before' | 'after' },
  ): Promise<WithId<TSchema> | null>;
  deleteOne(filter: Filter<TSchema>): Promise<MongoDeleteCount>;
  deleteMany(filter: Filter<TSchema>): Promise<MongoDeleteCount>;
  bulkWrite(operations: ReadonlyArray<AnyBulkWriteOperation<TSchema>>, options: { ordered: boolean }): Promise<unknown>;
  aggregate<T extends Document>(pipeline: Document[]): MongoAggregationCursor<T>;
  createIndexes(indexes: IndexDescription[]): Promise<string[]>;
}

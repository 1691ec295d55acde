import { Aggregator, Query, updateOne as applyUpdate } from 'mingo';
import {
  BSON,
  MongoBulkWriteError,
  MongoInvalidArgumentError,
  MongoServerError,
  ObjectId,
  type AnyBulkWriteOperation,
  type BulkWriteOperationError,
  type BulkWriteResult,
  type Document,
  type Filter,
  type IndexDescription,
  type OptionalUnlessRequiredId,
  type Sort,
  type UpdateFilter,
  type WithId,
  type WithoutId,
  type WriteError,
} from 'mongodb';
import type {
  MongoAggregationCursor,
  MongoCollection,
  MongoDatabase,
  MongoDeleteCount,
  MongoFindCursor,
  MongoFindOptions,
  MongoUpdateCounts,
} from '../../src/store/mongo/database';

/**
 * An in-process emulation of the MongoDB driver's collection API, for running the MongoDB store where no server can
 * run. It answers exactly the calls of `MongoDatabase` (src/store/mongo/database.ts), with the options the store
 * passes, and evaluates MongoDB's query, update and aggregation language with mingo, a library of that language over
 * JavaScript objects. What it adds is what a server adds around the language:
 *
 * - documents go in and come out through BSON (`serialize`/`deserialize`, `ignoreUndefined` as the store's client
 *   sets it): no reference is shared with a caller; Dates, ObjectIds and numbers come back as the driver gives them;
 * - unique indexes (`_id`, and `createIndexes` with `unique`, optionally partial) refuse a write with the server's
 *   duplicate-key error (a `MongoServerError` of code 11000 with `keyPattern` and `keyValue`; in `insertMany` and
 *   `bulkWrite` a `MongoBulkWriteError` listing each failed write), so the store's catch paths run;
 * - upserts (the new document seeded from the filter's equalities, `$setOnInsert`), `returnDocument`, the
 *   immutability of `_id`, conflicting update paths, and the counts a write answers with;
 * - every write is applied synchronously within its call: JavaScript runs one call at a time, so concurrent calls
 *   interleave only between operations, as single-document writes on a server do.
 *
 * It fails loudly (`NotEmulatedError`) on any method, option or operator it does not implement: the operators are the
 * ones listed in `OPERATORS`, each known to behave in mingo as on a server; a new one is added there with a test in
 * test/unit/mongo-emulation.test.ts. Known difference: strings compare by UTF-16 code unit (JavaScript's order) where
 * a server compares UTF-8 bytes; the two orders differ only between characters above U+FFFF and those from U+E000
 * to U+FFFF.
 */
export class MongoEmulation implements MongoDatabase {
  private readonly collections = new Map<string, CollectionState>();

  collection<TSchema extends Document>(name: string): MongoCollection<TSchema> {
    let state = this.collections.get(name);
    if (!state) {
      state = new CollectionState(name);
      this.collections.set(name, state);
    }
    return new EmulatedCollection<TSchema>(state);
  }

  async command(command: { ping: 1 }): Promise<Document> {
    const names = Object.keys(command);
    if (names.length !== 1 || names[0] !== 'ping') throw new NotEmulatedError(`the command ${JSON.stringify(names)}`);
    return { ok: 1 };
  }
}

/** A method, option or operator the emulation does not implement: the test needs a real server (`MONGODB_URI`). */
export class NotEmulatedError extends Error {
  constructor(what: string) {
    super(`MongoEmulation does not implement ${what}; add it to test/support/mongo-emulation.ts or run on a server (MONGODB_URI)`);
    this.name = 'NotEmulatedError';
  }
}

/**
 * The operators of MongoDB's language the emulation runs, by where they may appear. Any other `$` name in a filter,
 * projection, update or pipeline is refused before mingo sees it.
 */
export const OPERATORS = {
  query: ['$eq', '$ne', '$lt', '$lte', '$gt', '$gte', '$in', '$type', '$exists', '$elemMatch', '$not', '$or', '$and', '$regex', '$options'],
  projection: ['$elemMatch'],
  update: ['$set', '$setOnInsert', '$inc', '$push', '$pull'],
  /** Modifiers of `$push`. */
  push: ['$each'],
  stages: ['$match', '$project', '$unwind', '$sort', '$limit', '$group', '$facet', '$set'],
  /** Accumulators of `$group` (and `$max` over an array in an expression). */
  accumulators: ['$sum', '$push', '$max'],
  expressions: [
    '$literal', '$ifNull', '$concatArrays', '$cond', '$and', '$or', '$eq', '$ne', '$lt', '$lte', '$type', '$size',
    '$arrayElemAt', '$sortArray', '$add', '$subtract', '$multiply', '$divide', '$ceil', '$toInt', '$dateFromString',
    '$substrBytes',
  ],
} as const;

const QUERY = new Set<string>(OPERATORS.query);
const PROJECTION = new Set<string>([...OPERATORS.projection, ...OPERATORS.query]);
const UPDATE = new Set<string>(OPERATORS.update);
const PUSH = new Set<string>(OPERATORS.push);
const STAGES = new Set<string>(OPERATORS.stages);
const PIPELINE = new Set<string>([...OPERATORS.stages, ...OPERATORS.accumulators, ...OPERATORS.expressions, ...OPERATORS.query]);

// The classes a bulk write's error is made of. The driver's index does not export them at run time (its typings
// declare both), so they are taken from where it defines them; the result's constructor is internal to it.
const driverBulk: {
  WriteError: new (error: BulkWriteOperationError) => WriteError;
  BulkWriteResult: new (bulkResult: Document, isOrdered: boolean) => BulkWriteResult;
} = require('mongodb/lib/bulk/common');

const DUPLICATE_KEY = 11000;
// The server's largest document (BSONObjectTooLarge beyond it).
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** A collection's documents by `_id` (in insertion order, as a server's natural order) and its indexes by name. */
class CollectionState {
  readonly documents = new Map<string, Document>();
  readonly indexes = new Map<string, IndexState>();

  constructor(readonly name: string) {}
}

interface IndexState {
  description: IndexDescription & { name: string };
  /** Only documents matching it are indexed (`partialFilterExpression`). */
  partial: Query | null;
  /** A unique index's entries: key to `_id` key. */
  entries: Map<string, string> | null;
}

/** One call's view of a collection: every method does its work synchronously, then resolves. */
class EmulatedCollection<TSchema extends Document> implements MongoCollection<TSchema> {
  constructor(private readonly state: CollectionState) {}

  async insertOne(doc: OptionalUnlessRequiredId<TSchema>): Promise<{ acknowledged: true; insertedId: unknown }> {
    const stored = this.insert(doc);
    return { acknowledged: true, insertedId: stored._id };
  }

  async insertMany(docs: ReadonlyArray<OptionalUnlessRequiredId<TSchema>>, options: { ordered: boolean }): Promise<{ acknowledged: true; insertedCount: number }> {
    checkOptions('insertMany', options, ['ordered']);
    const inserted: Array<{ index: number; _id: unknown }> = [];
    const failures: Failure[] = [];
    for (const [index, doc] of docs.entries()) {
      try {
        inserted.push({ index, _id: this.insert(doc)._id });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        failures.push({ index, error, op: bsonCopy(doc) });
        if (options.ordered) break;
      }
    }
    if (failures.length > 0) throw bulkWriteError(failures, options.ordered, { nInserted: inserted.length, insertedIds: inserted });
    return { acknowledged: true, insertedCount: inserted.length };
  }

  findOne(filter: Filter<TSchema>, options?: { projection?: Document }): Promise<WithId<TSchema> | null>;
  findOne<T>(filter: Filter<TSchema>, options?: { projection?: Document }): Promise<T | null>;
  async findOne<T>(filter: Filter<TSchema>, options: { projection?: Document } = {}): Promise<T | null> {
    checkOptions('findOne', options, ['projection']);
    const [doc] = this.select(filter, { ...options, limit: 1 });
    return doc === undefined ? null : fromStore<T>(doc);
  }

  find(filter: Filter<TSchema>, options?: MongoFindOptions): MongoFindCursor<WithId<TSchema>>;
  find<T extends Document>(filter: Filter<TSchema>, options?: MongoFindOptions): MongoFindCursor<T>;
  find<T extends Document>(filter: Filter<TSchema>, options: MongoFindOptions = {}): MongoFindCursor<T> {
    // As the driver's cursor, the query runs when the cursor is read (with the sort and limit set by then).
    return new EmulatedFindCursor<T>(
      (sort, limit) => {
        checkOptions('find', options, ['projection', 'sort', 'limit']);
        return this.select(filter, { ...options, sort, limit });
      },
      options.sort,
      options.limit,
    );
  }

  async updateOne(filter: Filter<TSchema>, update: UpdateFilter<TSchema>, options: { upsert?: boolean } = {}): Promise<MongoUpdateCounts> {
    checkOptions('updateOne', options, ['upsert']);
    return this.update(filter, update, { multi: false, upsert: options.upsert ?? false });
  }

  async updateMany(filter: Filter<TSchema>, update: UpdateFilter<TSchema>): Promise<MongoUpdateCounts> {
    return this.update(filter, update, { multi: true, upsert: false });
  }

  async replaceOne(filter: Filter<TSchema>, replacement: WithoutId<TSchema>, options: { upsert?: boolean } = {}): Promise<MongoUpdateCounts> {
    checkOptions('replaceOne', options, ['upsert']);
    // The driver's own check, before anything is sent.
    if (Object.keys(replacement).some((key) => key.startsWith('$'))) throw new MongoInvalidArgumentError('Replacement document must not contain atomic operators');
    const [current] = this.select(filter, { limit: 1 });
    if (current === undefined) {
      if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
      const { _id } = upsertSeed(checkQuery(filter));
      this.insert(_id === undefined ? replacement : { _id, ...replacement });
      return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 };
    }
    const modified = this.write(current, { _id: current._id, ...bsonCopy(replacement) });
    return { matchedCount: 1, modifiedCount: modified ? 1 : 0, upsertedCount: 0 };
  }

  async findOneAndUpdate(
    filter: Filter<TSchema>,
    update: UpdateFilter<TSchema> | Document[],
    options: { projection?: Document; returnDocument?: 'before' | 'after' } = {},
  ): Promise<WithId<TSchema> | null> {
    checkOptions('findOneAndUpdate', options, ['projection', 'returnDocument']);
    const [current] = this.select(filter, { limit: 1 });
    if (current === undefined) return null;
    const next = updated(current, update, false);
    this.write(current, next);
    const answer = options.returnDocument === 'after' ? next : current;
    return fromStore<WithId<TSchema>>(options.projection ? project(answer, options.projection) : answer);
  }

  async deleteOne(filter: Filter<TSchema>): Promise<MongoDeleteCount> {
    return { deletedCount: this.remove(this.select(filter, { limit: 1 })) };
  }

  async deleteMany(filter: Filter<TSchema>): Promise<MongoDeleteCount> {
    return { deletedCount: this.remove(this.select(filter, {})) };
  }

  async bulkWrite(operations: ReadonlyArray<AnyBulkWriteOperation<TSchema>>, options: { ordered: boolean }): Promise<MongoUpdateCounts> {
    checkOptions('bulkWrite', options, ['ordered']);
    const counts = { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
    const failures: Failure[] = [];
    for (const [index, operation] of operations.entries()) {
      if (!('updateOne' in operation)) throw new NotEmulatedError(`bulkWrite's ${Object.keys(operation).join()}`);
      const { filter, update, ...rest } = operation.updateOne;
      try {
        checkOptions('bulkWrite updateOne', rest, ['upsert']);
        if (Array.isArray(update)) throw new NotEmulatedError("a pipeline in bulkWrite's updateOne");
        const result = this.update(filter, update, { multi: false, upsert: rest.upsert ?? false });
        counts.matchedCount += result.matchedCount;
        counts.modifiedCount += result.modifiedCount;
        counts.upsertedCount += result.upsertedCount;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        failures.push({ index, error, op: { q: filter, u: update } });
        if (options.ordered) break;
      }
    }
    if (failures.length > 0) {
      throw bulkWriteError(failures, options.ordered, { nMatched: counts.matchedCount, nModified: counts.modifiedCount, insertedIds: [] });
    }
    return counts;
  }

  aggregate<T extends Document>(pipeline: Document[]): MongoAggregationCursor<T> {
    return {
      toArray: async () => {
        const stages = checkPipeline(pipeline);
        // A leading $match reads the stored documents in place; only what it lets through is copied for the rest.
        const [first] = stages;
        const query = first && '$match' in first ? new Query(first.$match) : null;
        const input = [...this.state.documents.values()].filter((doc) => !query || query.test(doc)).map(bsonCopy);
        return new Aggregator(query ? stages.slice(1) : stages).run(input).map((doc) => fromStore<T>(doc));
      },
    };
  }

  async createIndexes(indexes: IndexDescription[]): Promise<string[]> {
    return indexes.map((index) => this.createIndex(index));
  }

  // ---- the server's side ---------------------------------------------------------------------------------------

  /** The stored documents matching `filter` (references: copy before handing out), sorted, cut, projected. */
  private select(filter: Filter<TSchema>, options: MongoFindOptions): Document[] {
    const condition = checkQuery(filter);
    // An `_id` equality reads its one document (the `_id` index), the rest of the filter tested on it.
    const id: unknown = condition._id;
    const byId = typeof id === 'string' || typeof id === 'number' || id instanceof ObjectId ? this.state.documents.get(keyOf(id)) : null;
    const candidates = byId === null ? [...this.state.documents.values()] : byId === undefined ? [] : [byId];
    let cursor = new Query(condition).find<Document>(candidates, options.projection ? checkProjection(options.projection) : undefined);
    if (options.sort !== undefined) cursor = cursor.sort(sortSpec(options.sort));
    // A limit of 0 is none; a negative one is its size (in a single batch).
    if (options.limit) cursor = cursor.limit(Math.abs(options.limit));
    return cursor.all();
  }

  private insert(doc: Document): Document {
    const copy = bsonCopy(doc);
    // The driver would name a document without an `_id`; the store never sends one, so the server's side is enough.
    const stored = '_id' in copy ? copy : { _id: new ObjectId(), ...copy };
    this.write(null, stored);
    return stored;
  }

  private update(filter: Filter<TSchema>, update: UpdateFilter<TSchema>, options: { multi: boolean; upsert: boolean }): MongoUpdateCounts {
    const matched = this.select(filter, options.multi ? {} : { limit: 1 });
    if (matched.length === 0) {
      if (!options.upsert) return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 };
      this.insert(updated(upsertSeed(checkQuery(filter)), update, true));
      return { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 };
    }
    let modified = 0;
    for (const doc of matched) if (this.write(doc, updated(doc, update, false))) modified++;
    return { matchedCount: matched.length, modifiedCount: modified, upsertedCount: 0 };
  }

  /**
   * Stores `next` in place of `current` (null: a new document), after checking every unique index: a duplicate
   * changes nothing and throws the server's error. Answers whether the stored bytes changed.
   */
  private write(current: Document | null, next: Document): boolean {
    const bytes = BSON.serialize(next, { ignoreUndefined: true });
    if (bytes.length > MAX_DOCUMENT_BYTES) {
      throw new MongoServerError({ errmsg: `BSONObj size: ${bytes.length} is invalid`, code: 10334, codeName: 'BSONObjectTooLarge' });
    }
    const stored = BSON.deserialize(bytes);
    const id = keyOf(stored._id);
    const currentId = current === null ? null : keyOf(current._id);
    if (currentId !== null && currentId !== id) {
      throw new MongoServerError({
        errmsg: "Performing an update on the path '_id' would modify the immutable field '_id'",
        code: 66,
        codeName: 'ImmutableField',
      });
    }
    if (currentId === null && this.state.documents.has(id)) throw duplicateKey(this.state.name, '_id_', { _id: 1 }, { _id: stored._id });
    const changes: Array<() => void> = [];
    for (const index of this.state.indexes.values()) {
      if (!index.entries) continue;
      const entries = index.entries;
      const before = current === null ? null : indexKey(index, current);
      const after = indexKey(index, stored);
      if (before?.key === after?.key) continue;
      if (after && entries.has(after.key)) throw duplicateKey(this.state.name, index.description.name, index.description.key, after.value);
      changes.push(() => {
        if (before) entries.delete(before.key);
        if (after) entries.set(after.key, id);
      });
    }
    for (const change of changes) change();
    const modified = current === null || !Buffer.from(BSON.serialize(current)).equals(bytes);
    this.state.documents.set(id, stored);
    return modified;
  }

  private remove(docs: Document[]): number {
    for (const doc of docs) {
      for (const index of this.state.indexes.values()) {
        const entry = index.entries && indexKey(index, doc);
        if (entry) index.entries?.delete(entry.key);
      }
      this.state.documents.delete(keyOf(doc._id));
    }
    return docs.length;
  }

  private createIndex(index: IndexDescription): string {
    checkOptions('createIndexes', index, ['name', 'key', 'unique', 'partialFilterExpression']);
    const key = index.key instanceof Map ? Object.fromEntries(index.key) : index.key;
    if (Object.values(key).some((direction) => direction !== 1 && direction !== -1)) throw new NotEmulatedError(`the index key ${JSON.stringify(key)}`);
    const name = index.name ?? Object.entries(key).map(([field, direction]) => `${field}_${direction}`).join('_');
    const description = { ...index, key, name };
    const existing = this.state.indexes.get(name);
    if (existing) {
      if (keyOf(existing.description) === keyOf(description)) return name;
      const sameKey = keyOf(existing.description.key) === keyOf(key);
      throw new MongoServerError({
        errmsg: `An existing index has the same name as the requested index. Requested index: ${keyOf(description)}, existing index: ${keyOf(existing.description)}`,
        code: sameKey ? 85 : 86,
        codeName: sameKey ? 'IndexOptionsConflict' : 'IndexKeySpecsConflict',
      });
    }
    for (const other of this.state.indexes.values()) {
      if (keyOf(other.description.key) === keyOf(key)) {
        throw new MongoServerError({ errmsg: `Index already exists with a different name: ${other.description.name}`, code: 85, codeName: 'IndexOptionsConflict' });
      }
    }
    const state: IndexState = {
      description,
      partial: index.partialFilterExpression ? new Query(checkQuery(index.partialFilterExpression)) : null,
      entries: index.unique ? new Map() : null,
    };
    for (const [id, doc] of this.state.documents) {
      const entry = state.entries && indexKey(state, doc);
      if (!entry) continue;
      if (state.entries?.has(entry.key)) throw duplicateKey(this.state.name, name, key, entry.value);
      state.entries?.set(entry.key, id);
    }
    this.state.indexes.set(name, state);
    return name;
  }
}

/** A `find`'s cursor: the query runs when it is read. */
class EmulatedFindCursor<T> implements MongoFindCursor<T> {
  constructor(
    private readonly read: (sort: Sort | undefined, limit: number | undefined) => Document[],
    private sortBy: Sort | undefined,
    private count: number | undefined,
  ) {}

  sort(sort: Sort): MongoFindCursor<T> {
    this.sortBy = sort;
    return this;
  }

  limit(value: number): MongoFindCursor<T> {
    this.count = value;
    return this;
  }

  async toArray(): Promise<T[]> {
    return this.read(this.sortBy, this.count).map((doc) => fromStore<T>(doc));
  }
}

interface Failure {
  index: number;
  error: MongoServerError;
  op: Document;
}

/** The error `insertMany` and `bulkWrite` throw when writes failed: each failure listed, the writes that went in counted. */
function bulkWriteError(
  failures: Failure[],
  ordered: boolean,
  counts: { nInserted?: number; nMatched?: number; nModified?: number; insertedIds: Array<{ index: number; _id: unknown }> },
): MongoBulkWriteError {
  const writeErrors = failures.map(({ index, error, op }) => new driverBulk.WriteError({ index, code: DUPLICATE_KEY, errmsg: error.message, errInfo: {}, op }));
  const result = new driverBulk.BulkWriteResult(
    { ok: 1, writeErrors, writeConcernErrors: [], nInserted: 0, nUpserted: 0, nMatched: 0, nModified: 0, nRemoved: 0, upserted: [], ...counts },
    ordered,
  );
  return new MongoBulkWriteError({ message: failures[0]?.error.message ?? 'write operation failed', code: DUPLICATE_KEY, writeErrors }, result);
}

function duplicateKey(collection: string, index: string, keyPattern: Document, keyValue: Document): MongoServerError {
  return new MongoServerError({
    errmsg: `E11000 duplicate key error collection: ${collection} index: ${index} dup key: ${BSON.EJSON.stringify(keyValue, { relaxed: true })}`,
    code: DUPLICATE_KEY,
    codeName: 'DuplicateKey',
    keyPattern,
    keyValue,
  });
}

function isDuplicateKeyError(error: unknown): error is MongoServerError {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

/** The document after `update` (operators, or a pipeline of `$set` stages), as a new object; `inserting`: an upsert's. */
function updated(doc: Document, update: Document | Document[], inserting: boolean): Document {
  const target = [bsonCopy(doc)];
  if (Array.isArray(update)) {
    const stages = checkPipeline(update).map((stage) => {
      if (!('$set' in stage)) throw new NotEmulatedError(`the stage ${Object.keys(stage).join()} in a pipeline update`);
      return { $set: stage.$set };
    });
    applyUpdate(target, {}, stages);
    return target[0]!;
  }
  const { $setOnInsert, ...modifier } = checkUpdate(update);
  if (inserting && $setOnInsert) modifier.$set = { ...modifier.$set, ...$setOnInsert };
  // `_id` may be set to the value it has (a no-op), never changed.
  for (const [name, fields] of Object.entries(modifier)) {
    const path = Object.keys(fields).find((candidate) => candidate === '_id' || candidate.startsWith('_id.'));
    if (path === undefined) continue;
    if (name !== '$set' || path !== '_id' || keyOf(modifier.$set._id) !== keyOf(doc._id)) {
      throw new MongoServerError({ errmsg: "Performing an update on the path '_id' would modify the immutable field '_id'", code: 66, codeName: 'ImmutableField' });
    }
    delete modifier.$set._id;
  }
  if (Object.keys(modifier).length > 0) applyUpdate(target, {}, modifier);
  return target[0]!;
}

/** An upsert's new document: the fields its filter sets by equality (top level, or within `$and`). */
function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and') {
      for (const clause of condition) Object.assign(seed, upsertSeed(clause));
    } else if (field.startsWith('$')) {
      throw new NotEmulatedError(`an upsert whose filter holds ${field}`);
    } else if (!isOperatorObject(condition)) {
      setPath(seed, field, condition);
    } else if ('$eq' in condition) {
      setPath(seed, field, condition.$eq);
    }
  }
  return seed;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const names = path.split('.');
  let at = doc;
  for (const name of names.slice(0, -1)) {
    if (typeof at[name] !== 'object' || at[name] === null) at[name] = {};
    at = at[name];
  }
  at[names[names.length - 1]!] = value;
}

function isOperatorObject(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).some((key) => key.startsWith('$'));
}

/** A unique index's entry for `doc`: null when its partial filter leaves the document out. */
function indexKey(index: IndexState, doc: Document): { key: string; value: Document } | null {
  if (index.partial && !index.partial.test(doc)) return null;
  const value: Document = {};
  for (const path of Object.keys(index.description.key)) {
    const field = path.split('.').reduce<unknown>((at, name) => (typeof at === 'object' && at !== null ? (at as Document)[name] : undefined), doc);
    if (Array.isArray(field)) throw new NotEmulatedError(`a unique index over an array (${path})`);
    // A missing field is indexed as null.
    value[path] = field ?? null;
  }
  return { key: keyOf(Object.values(value)), value };
}

/** Equal for values a server holds equal (numbers of any BSON type by value; documents field by field, in order). */
function keyOf(value: unknown): string {
  return BSON.EJSON.stringify(value ?? null, { relaxed: true });
}

/** `doc` as it comes back from a server (the store's client sets `ignoreUndefined`). */
function bsonCopy(doc: Document): Document {
  return BSON.deserialize(BSON.serialize(doc, { ignoreUndefined: true }));
}

/** A stored document handed out: a copy, typed as the caller's schema (the emulation stores documents untyped). */
function fromStore<T>(doc: Document): T {
  return bsonCopy(doc) as T;
}

function project(doc: Document, projection: Document): Document {
  return new Query({}).find<Document>([doc], checkProjection(projection)).all()[0] ?? {};
}

function sortSpec(sort: Sort): Record<string, 1 | -1> {
  if (typeof sort !== 'object' || sort === null || Array.isArray(sort) || sort instanceof Map) throw new NotEmulatedError(`the sort ${String(sort)}`);
  const spec: Record<string, 1 | -1> = {};
  for (const [field, direction] of Object.entries(sort)) {
    if (direction !== 1 && direction !== -1) throw new NotEmulatedError(`the sort direction ${JSON.stringify(direction)}`);
    spec[field] = direction;
  }
  return spec;
}

function checkOptions(method: string, options: object, known: readonly string[]): void {
  for (const [name, value] of Object.entries(options)) {
    if (value !== undefined && !known.includes(name)) throw new NotEmulatedError(`the option ${name} of ${method}`);
  }
}

function checkQuery(filter: Document): Document {
  checkNames(filter, QUERY, 'query operator');
  return bsonCopy(filter);
}

function checkProjection(projection: Document): Document {
  checkNames(projection, PROJECTION, 'projection operator');
  return bsonCopy(projection);
}

function checkPipeline(pipeline: Document[]): Document[] {
  for (const stage of pipeline) {
    const names = Object.keys(stage);
    if (names.length !== 1 || !STAGES.has(names[0]!)) throw new NotEmulatedError(`the stage ${names.join()}`);
    checkNames(stage, PIPELINE, 'aggregation operator');
  }
  return pipeline.map(bsonCopy);
}

/** Checks an update's operators (the values they set are data, not operators); the driver's own checks first. */
function checkUpdate(update: Document): Document {
  const names = Object.keys(update);
  if (names.length === 0 || !names.every((name) => name.startsWith('$'))) throw new MongoInvalidArgumentError('Update document requires atomic operators');
  const paths: string[] = [];
  for (const name of names) {
    if (!UPDATE.has(name)) throw new NotEmulatedError(`the update operator ${name}`);
    for (const [path, value] of Object.entries(update[name])) {
      paths.push(path);
      if (name === '$pull' && isOperatorObject(value)) checkNames(value, QUERY, 'query operator');
      if (name === '$push' && isOperatorObject(value)) {
        const modifier = Object.keys(value).find((key) => !PUSH.has(key));
        if (modifier) throw new NotEmulatedError(`the $push modifier ${modifier}`);
      }
    }
  }
  // The server refuses an update that touches one path (or a path and one within it) twice.
  for (const [index, path] of paths.entries()) {
    const other = paths.slice(index + 1).find((candidate) => candidate === path || candidate.startsWith(`${path}.`) || path.startsWith(`${candidate}.`));
    if (other !== undefined) {
      throw new MongoServerError({ errmsg: `Updating the path '${other}' would create a conflict at '${path}'`, code: 40, codeName: 'ConflictingUpdateOperators' });
    }
  }
  return bsonCopy(update);
}

/** Throws on any `$` name in `value` outside `known` (a `$literal`'s value is data, never looked into). */
function checkNames(value: unknown, known: ReadonlySet<string>, kind: string): void {
  if (Array.isArray(value)) {
    for (const item of value) checkNames(item, known, kind);
    return;
  }
  if (typeof value !== 'object' || value === null || value instanceof Date || value instanceof RegExp || value instanceof ObjectId) return;
  for (const [name, inner] of Object.entries(value)) {
    if (name.startsWith('$') && !known.has(name)) throw new NotEmulatedError(`the ${kind} ${name}`);
    if (name !== '$literal') checkNames(inner, known, kind);
  }
}

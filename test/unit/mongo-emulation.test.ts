import { MongoBulkWriteError, MongoInvalidArgumentError, MongoServerError, ObjectId, type Document } from 'mongodb';
import { isDuplicateKey, onlyDuplicateKeys } from '../../src/store/mongo/errors';
import { MongoEmulation, NotEmulatedError } from '../support/mongo-emulation';

/**
 * The emulation answers as a MongoDB server does (the behaviours below are the server's, as its manual states them),
 * and refuses what it does not implement.
 */
type Item = {
  _id: string;
  n?: number;
  tag?: string | null;
  tags?: string[] | null;
  at?: Date;
  ref?: ObjectId;
  nested?: { list: number[] };
  entries?: Array<{ key: string; value: number }>;
};

function items(name = 'items') {
  return new MongoEmulation().collection<Item>(name);
}

async function caught(work: () => Promise<unknown>): Promise<unknown> {
  return work().then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('MongoEmulation documents', () => {
  it('copies documents in and out: no reference is shared, Dates and ObjectIds stay what they are', async () => {
    const collection = items();
    const doc: Item = { _id: 'a', at: new Date('2024-01-01T00:00:00Z'), ref: new ObjectId(), nested: { list: [1] } };
    await collection.insertOne(doc);
    doc.nested!.list.push(2);
    const read = await collection.findOne({ _id: 'a' });
    expect(read).toEqual({ _id: 'a', at: new Date('2024-01-01T00:00:00Z'), ref: doc.ref, nested: { list: [1] } });
    expect(read!.at).toBeInstanceOf(Date);
    expect(read!.ref).toBeInstanceOf(ObjectId);
    read!.nested!.list.push(3);
    expect((await collection.findOne({ _id: 'a' }))!.nested).toEqual({ list: [1] });
  });

  it('leaves undefined fields out and keeps nulls, as the store client (ignoreUndefined) sends them', async () => {
    const collection = items();
    await collection.insertOne({ _id: 'a', tag: null, n: undefined });
    expect(await collection.findOne({ _id: 'a' })).toStrictEqual({ _id: 'a', tag: null });
  });

  it('refuses a second document with the same _id with the duplicate-key error', async () => {
    const collection = items();
    await collection.insertOne({ _id: 'a', n: 1 });
    const error = await caught(() => collection.insertOne({ _id: 'a', n: 2 }));
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 11000, keyPattern: { _id: 1 }, keyValue: { _id: 'a' } });
    expect(isDuplicateKey(error)).toBe(true);
    expect(await collection.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1 });
  });

  it('runs the collections of one database for every handle on it, and keeps databases apart', async () => {
    const database = new MongoEmulation();
    await database.collection<Item>('items').insertOne({ _id: 'a' });
    expect(await database.collection<Item>('items').findOne({ _id: 'a' })).toEqual({ _id: 'a' });
    expect(await database.collection<Item>('others').findOne({ _id: 'a' })).toBeNull();
    expect(await new MongoEmulation().collection<Item>('items').findOne({ _id: 'a' })).toBeNull();
  });

  it('answers ping', async () => {
    expect(await new MongoEmulation().command({ ping: 1 })).toEqual({ ok: 1 });
  });
});

describe('MongoEmulation unique indexes', () => {
  it('refuses an insert or an update that repeats a unique key, naming the index key and value', async () => {
    const collection = items();
    expect(await collection.createIndexes([{ name: 'by_tag', key: { tag: 1, n: 1 }, unique: true }])).toEqual(['by_tag']);
    await collection.insertOne({ _id: 'a', tag: 'x', n: 1 });
    await collection.insertOne({ _id: 'b', tag: 'x', n: 2 });
    expect(await caught(() => collection.insertOne({ _id: 'c', tag: 'x', n: 1 }))).toMatchObject({ code: 11000, keyPattern: { tag: 1, n: 1 }, keyValue: { tag: 'x', n: 1 } });
    expect(await caught(() => collection.updateOne({ _id: 'b' }, { $set: { n: 1 } }))).toMatchObject({ code: 11000 });
    expect(await collection.findOne({ _id: 'b' })).toEqual({ _id: 'b', tag: 'x', n: 2 });
    // A removed document frees its key; a document updated away from a key frees it too.
    await collection.deleteOne({ _id: 'a' });
    await collection.updateOne({ _id: 'b' }, { $set: { n: 1 } });
    await collection.insertOne({ _id: 'c', tag: 'x', n: 2 });
  });

  it('indexes a missing field as null, and a partial index only the documents its filter matches', async () => {
    const plain = items('plain');
    await plain.createIndexes([{ name: 'by_tag', key: { tag: 1 }, unique: true }]);
    await plain.insertOne({ _id: 'a' });
    expect(await caught(() => plain.insertOne({ _id: 'b', tag: null }))).toMatchObject({ code: 11000, keyValue: { tag: null } });
    const partial = items('partial');
    await partial.createIndexes([{ name: 'by_tag', key: { tag: 1 }, unique: true, partialFilterExpression: { tag: { $type: 'string' } } }]);
    await partial.insertMany([{ _id: 'a' }, { _id: 'b', tag: null }, { _id: 'c', tag: 'x' }], { ordered: true });
    expect(await caught(() => partial.insertOne({ _id: 'd', tag: 'x' }))).toMatchObject({ code: 11000 });
  });

  it('creates the same index again as a no-op, and refuses another under its name or its key', async () => {
    const collection = items();
    await collection.createIndexes([{ name: 'by_n', key: { n: 1 } }]);
    expect(await collection.createIndexes([{ name: 'by_n', key: { n: 1 } }])).toEqual(['by_n']);
    expect(await caught(() => collection.createIndexes([{ name: 'by_n', key: { tag: 1 } }]))).toMatchObject({ code: 86 });
    expect(await caught(() => collection.createIndexes([{ name: 'by_n', key: { n: 1 }, unique: true }]))).toMatchObject({ code: 85 });
    expect(await caught(() => collection.createIndexes([{ name: 'n_again', key: { n: 1 } }]))).toMatchObject({ code: 85 });
  });

  it('refuses a unique index over documents that repeat its key', async () => {
    const collection = items();
    await collection.insertMany([{ _id: 'a', n: 1 }, { _id: 'b', n: 1 }], { ordered: true });
    expect(await caught(() => collection.createIndexes([{ name: 'by_n', key: { n: 1 }, unique: true }]))).toMatchObject({ code: 11000 });
  });

  it('inserts every new document of an unordered insertMany and reports the duplicates in one bulk error', async () => {
    const collection = items();
    await collection.insertOne({ _id: 'b' });
    const error = await caught(() => collection.insertMany([{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }, { _id: 'a' }], { ordered: false }));
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect([bulk.writeErrors].flat().map((writeError) => [writeError.index, writeError.code])).toEqual([[1, 11000], [3, 11000]]);
    expect(bulk.insertedCount).toBe(2);
    expect(onlyDuplicateKeys(error)).toBe(true);
    expect((await collection.find({}).toArray()).map((doc) => doc._id)).toEqual(['b', 'a', 'c']);
  });

  it('stops an ordered insertMany at its first duplicate', async () => {
    const collection = items();
    await collection.insertOne({ _id: 'b' });
    expect(await caught(() => collection.insertMany([{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }], { ordered: true }))).toBeInstanceOf(MongoBulkWriteError);
    expect((await collection.find({}).toArray()).map((doc) => doc._id)).toEqual(['b', 'a']);
  });
});

describe('MongoEmulation updates', () => {
  it('counts matched and modified documents; an update that changes nothing modifies none', async () => {
    const collection = items();
    await collection.insertMany([{ _id: 'a', n: 1 }, { _id: 'b', n: 1 }, { _id: 'c', n: 2 }], { ordered: true });
    expect(await collection.updateOne({ n: 1 }, { $set: { n: 1 } })).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(await collection.updateMany({ n: 1 }, { $inc: { n: 10 } })).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect(await collection.updateOne({ n: 99 }, { $set: { n: 1 } })).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedCount: 0 });
    expect((await collection.find({}, { sort: { _id: 1 } }).toArray()).map((doc) => doc.n)).toEqual([11, 11, 2]);
  });

  it('applies $set, $inc, $push with $each and $pull (by a condition on the elements)', async () => {
    const collection = items();
    await collection.insertOne({ _id: 'a', n: 1, entries: [{ key: 'x', value: 1 }, { key: 'y', value: 2 }] });
    await collection.updateOne(
      { _id: 'a' },
      { $set: { tag: 't' }, $inc: { n: 2 }, $push: { tags: { $each: ['p', 'q'] } }, $pull: { entries: { key: 'x', value: 1 } } },
    );
    expect(await collection.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 3, tag: 't', tags: ['p', 'q'], entries: [{ key: 'y', value: 2 }] });
  });

  it('upserts a document seeded with the filter equalities, updated, with $setOnInsert applied on insert only', async () => {
    const collection = items();
    const upsert = () =>
      collection.updateOne({ _id: 'a', n: 0, 'entries.key': { $ne: 'k' } }, { $inc: { n: 1 }, $push: { tags: 'p' }, $setOnInsert: { tag: 'first' } }, { upsert: true });
    expect(await upsert()).toMatchObject({ matchedCount: 0, upsertedCount: 1 });
    expect(await collection.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1, tags: ['p'], tag: 'first' });
    // The filter no longer matches (n is 1), so the upsert inserts again: the _id is taken (the race the store retries).
    expect(isDuplicateKey(await caught(upsert))).toBe(true);
    await collection.updateOne({ _id: 'a' }, { $inc: { n: 1 }, $setOnInsert: { tag: 'second' } }, { upsert: true });
    expect(await collection.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 2, tags: ['p'], tag: 'first' });
  });

  it('replaces a document whole under its _id, and upserts one under the _id of its filter', async () => {
    const collection = items();
    await collection.insertOne({ _id: 'a', n: 1, tag: 't' });
    expect(await collection.replaceOne({ _id: 'a', n: 1 }, { n: 2 })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await collection.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 2 });
    expect(await collection.replaceOne({ _id: 'a', n: 1 }, { n: 3 })).toMatchObject({ matchedCount: 0, upsertedCount: 0 });
    expect(await collection.replaceOne({ _id: 'b' }, { n: 4 }, { upsert: true })).toMatchObject({ upsertedCount: 1 });
    expect(await collection.findOne({ _id: 'b' })).toEqual({ _id: 'b', n: 4 });
  });

  it('answers findOneAndUpdate with the document before (by default) or after, projected', async () => {
    const collection = items();
    await collection.insertOne({ _id: 'a', n: 1, tag: 't' });
    expect(await collection.findOneAndUpdate({ _id: 'a' }, { $inc: { n: 1 } })).toEqual({ _id: 'a', n: 1, tag: 't' });
    expect(await collection.findOneAndUpdate({ _id: 'a' }, { $inc: { n: 1 } }, { returnDocument: 'after', projection: { n: 1 } })).toEqual({ _id: 'a', n: 3 });
    expect(await collection.findOneAndUpdate({ _id: 'missing' }, { $inc: { n: 1 } }, { returnDocument: 'after' })).toBeNull();
  });

  it("runs a pipeline update's $set with the document's own fields and literals", async () => {
    const collection = items();
    await collection.insertOne({ _id: 'a', n: 7, tag: 'old' });
    const after = await collection.findOneAndUpdate(
      { _id: 'a' },
      [{ $set: { previous: '$tag', tag: { $literal: '$not-a-path' }, tags: { $concatArrays: [{ $ifNull: ['$tags', []] }, ['$tag']] }, copy: '$n' } }],
      { returnDocument: 'after' },
    );
    expect(after).toEqual({ _id: 'a', n: 7, tag: '$not-a-path', previous: 'old', tags: ['old'], copy: 7 });
  });

  it("refuses what a server refuses: a change of _id, a path updated twice, an update without operators, a replacement with them", async () => {
    const collection = items();
    await collection.insertOne({ _id: 'a', n: 1, nested: { list: [] } });
    expect(await caught(() => collection.updateOne({ _id: 'a' }, { $set: { _id: 'b' } }))).toMatchObject({ code: 66 });
    expect(await caught(() => collection.updateOne({ _id: 'a' }, { $set: { nested: { list: [1] } }, $push: { 'nested.list': 2 } }))).toMatchObject({ code: 40 });
    expect(await caught(() => collection.updateOne({ _id: 'a' }, { n: 2 }))).toBeInstanceOf(MongoInvalidArgumentError);
    const untyped = new MongoEmulation().collection<Document & { _id: string }>('items');
    expect(await caught(() => untyped.replaceOne({ _id: 'a' }, { $set: { n: 2 } }))).toBeInstanceOf(MongoInvalidArgumentError);
    expect(await collection.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1, nested: { list: [] } });
  });

  it('applies each of several concurrent compare-and-sets on one document to what the one before left', async () => {
    const collection = items();
    await collection.insertOne({ _id: 'a', n: 0 });
    const results = await Promise.all(Array.from({ length: 10 }, () => collection.updateOne({ _id: 'a', n: 0 }, { $inc: { n: 1 } })));
    expect(results.filter((result) => result.matchedCount === 1)).toHaveLength(1);
    expect((await collection.findOne({ _id: 'a' }))!.n).toBe(1);
  });

  it('writes the updateOne operations of a bulkWrite, and reports a duplicate in a bulk error', async () => {
    const collection = items();
    await collection.createIndexes([{ name: 'by_n', key: { n: 1 }, unique: true }]);
    await collection.insertMany([{ _id: 'a', n: 1 }, { _id: 'b', n: 2 }], { ordered: true });
    await collection.bulkWrite([{ updateOne: { filter: { _id: 'a' }, update: { $set: { tag: 'x' } } } }, { updateOne: { filter: { _id: 'z' }, update: { $set: { tag: 'y' } } } }], { ordered: false });
    expect(await collection.findOne({ _id: 'a' })).toEqual({ _id: 'a', n: 1, tag: 'x' });
    const error = await caught(() =>
      collection.bulkWrite([{ updateOne: { filter: { _id: 'a' }, update: { $set: { n: 2 } } } }, { updateOne: { filter: { _id: 'b' }, update: { $set: { tag: 'b' } } } }], { ordered: false }),
    );
    expect(onlyDuplicateKeys(error)).toBe(true);
    expect(await collection.findOne({ _id: 'b' })).toEqual({ _id: 'b', n: 2, tag: 'b' });
  });
});

describe('MongoEmulation reads', () => {
  async function seeded() {
    const collection = items();
    await collection.insertMany(
      [
        { _id: 'a', n: 3, tag: 'b', tags: ['apple', 'pear'], entries: [{ key: 'x', value: 1 }, { key: 'y', value: 2 }] },
        { _id: 'b', n: 1, tag: null },
        { _id: 'c', n: 2, tag: 'a' },
        { _id: 'd', tag: 'c' },
      ],
      { ordered: true },
    );
    return collection;
  }
  const ids = (docs: Item[]): string[] => docs.map((doc) => doc._id);

  it('sorts, cuts (a limit of 0 is none) and projects, in the options or on the cursor', async () => {
    const collection = await seeded();
    expect(ids(await collection.find({}, { sort: { n: -1 }, limit: 2 }).toArray())).toEqual(['a', 'c']);
    expect(ids(await collection.find({}).sort({ n: 1 }).limit(0).toArray())).toEqual(['d', 'b', 'c', 'a']);
    expect(await collection.find({ _id: 'c' }, { projection: { n: 1 } }).toArray()).toEqual([{ _id: 'c', n: 2 }]);
    expect(await collection.find({ _id: 'c' }, { projection: { n: 0, _id: 0 } }).toArray()).toEqual([{ tag: 'a' }]);
    expect(await collection.findOne({ _id: 'a' }, { projection: { _id: 0, entries: { $elemMatch: { key: 'y' } } } })).toEqual({ entries: [{ key: 'y', value: 2 }] });
    expect(await collection.findOne({ _id: 'b' }, { projection: { _id: 0, entries: { $elemMatch: { key: 'y' } } } })).toEqual({});
  });

  it('compares within a type only, matches null and missing alike, and arrays by any element', async () => {
    const collection = await seeded();
    expect(ids(await collection.find({ tag: { $lt: 'c' } }).toArray())).toEqual(['a', 'c']);
    expect(ids(await collection.find({ n: { $gte: 0 } }).toArray())).toEqual(['a', 'b', 'c']);
    expect(ids(await collection.find({ tag: { $in: [null] } }).toArray())).toEqual(['b']);
    expect(ids(await collection.find({ tags: { $in: [null] } }).toArray())).toEqual(['b', 'c', 'd']);
    expect(ids(await collection.find({ tags: { $regex: '^pe' } }).toArray())).toEqual(['a']);
    expect(ids(await collection.find({ tags: { $regex: '^PEAR$', $options: 'i' } }).toArray())).toEqual(['a']);
    expect(ids(await collection.find({ tags: { $regex: '^PEAR$' } }).toArray())).toEqual([]);
    expect(ids(await collection.find({ 'entries.key': { $ne: 'y' } }).toArray())).toEqual(['b', 'c', 'd']);
    expect(ids(await collection.find({ entries: { $not: { $elemMatch: { key: 'x', value: 1 } } } }).toArray())).toEqual(['b', 'c', 'd']);
    expect(ids(await collection.find({ n: { $exists: false } }).toArray())).toEqual(['d']);
    expect(ids(await collection.find({ tag: { $type: 'string' }, $or: [{ n: { $lt: 3 } }, { _id: 'd' }] }).toArray())).toEqual(['c', 'd']);
  });

  it('aggregates with $match, $project, $unwind, $sort, $limit, $group and $facet', async () => {
    const collection = await seeded();
    const unwound = await collection
      .aggregate([
        { $match: { entries: { $elemMatch: { value: { $gte: 1 } } } } },
        { $unwind: '$entries' },
        { $sort: { 'entries.value': -1 } },
        { $limit: 1 },
        { $project: { _id: 0, id: '$_id', key: '$entries.key' } },
      ])
      .toArray();
    expect(unwound).toEqual([{ id: 'a', key: 'y' }]);
    const [facets] = await collection
      .aggregate([
        { $facet: { total: [{ $group: { _id: null, n: { $sum: '$n' }, strings: { $sum: { $cond: [{ $eq: [{ $type: '$tag' }, 'string'] }, 1, 0] } } } }], first: [{ $sort: { n: 1 } }, { $limit: 1 }] } },
      ])
      .toArray();
    expect(facets).toEqual({ total: [{ _id: null, n: 6, strings: 3 }], first: [{ _id: 'd', tag: 'c' }] });
  });

  it('counts deleted documents', async () => {
    const collection = await seeded();
    expect(await collection.deleteOne({ n: { $gte: 1 } })).toEqual({ deletedCount: 1 });
    expect(await collection.deleteMany({ n: { $gte: 1 } })).toEqual({ deletedCount: 2 });
    expect(ids(await collection.find({}).toArray())).toEqual(['d']);
  });
});

describe('MongoEmulation refuses what it does not implement', () => {
  // Options beyond the store's reach the emulation only from a caller typed otherwise (a plain object like this one).
  const withSkip = { limit: 1, skip: 1 };
  it.each<[string, (collection: ReturnType<typeof items>) => Promise<unknown>]>([
    ['a query operator', (collection) => collection.find({ n: { $nin: [1] } }).toArray()],
    ['an update operator', (collection) => collection.updateOne({ _id: 'a' }, { $rename: { n: 'm' } })],
    ['a $push modifier', (collection) => collection.updateOne({ _id: 'a' }, { $push: { tags: { $each: ['x'], $slice: 1 } } })],
    ['a stage', (collection) => collection.aggregate([{ $lookup: { from: 'x', as: 'y' } }]).toArray()],
    ['an expression', (collection) => collection.aggregate([{ $project: { upper: { $toUpper: '$tag' } } }]).toArray()],
    ['a stage in a pipeline update', (collection) => collection.findOneAndUpdate({ _id: 'a' }, [{ $unset: 'n' }])],
    ['an option', (collection) => collection.find({}, withSkip).toArray()],
    ['a bulk operation', (collection) => collection.bulkWrite([{ deleteOne: { filter: { _id: 'a' } } }], { ordered: true })],
    ['an index option', (collection) => collection.createIndexes([{ name: 'ttl', key: { at: 1 }, expireAfterSeconds: 60 }])],
  ])('%s', async (_what, attempt) => {
    const collection = items();
    await collection.insertOne({ _id: 'a', n: 1, tag: 't' });
    const error = await caught(() => attempt(collection));
    expect(error).toBeInstanceOf(NotEmulatedError);
    expect((error as Error).message).toMatch(/^MongoEmulation does not implement /);
  });

  it('a command other than ping', async () => {
    const command = { ping: 1 as const, hello: 1 };
    await expect(new MongoEmulation().command(command)).rejects.toBeInstanceOf(NotEmulatedError);
  });
});

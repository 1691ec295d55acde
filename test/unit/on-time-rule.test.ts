import Database from 'better-sqlite3';
import { keptPromise } from '../../src/domain/order';
import { STATUSES, type OrderStatus } from '../../src/domain/status';
import { decidedPromise, KEPT_PROMISE } from '../../src/store/search/mongo-reports';
import { decidedPromiseSql, KEPT_PROMISE_SQL } from '../../src/store/search/on-time-sql';
import { MongoEmulation } from '../support/mongo-emulation';

/**
 * The stores count the on-time rate in their own query languages; each count must decide every order as the domain's
 * `keptPromise` does. Every status meets every placing of the delivery and of `now` around the promise, and orders
 * without a promise.
 */

const PROMISE = '2024-01-02T12:00:00.000Z';
const BEFORE = '2024-01-02T11:59:59.999Z';
const AFTER = '2024-01-02T12:00:00.001Z';
const WHEN = [BEFORE, PROMISE, AFTER];

interface Case {
  status: OrderStatus;
  promised_by: string | null;
  delivered_at: string | null;
  now: string;
}

const CASES: Case[] = STATUSES.flatMap((status) =>
  [PROMISE, null].flatMap((promised_by) =>
    [null, ...WHEN].flatMap((delivered_at) => WHEN.map((now) => ({ status, promised_by, delivered_at, now }))),
  ),
);

/** What a store's counts must say of a case: counted as decided, and of those, as kept. */
function expected(order: Case): { kept: boolean; decided: boolean } {
  const kept = keptPromise(order, order.now);
  return { kept: kept === true, decided: kept !== null };
}

describe('the on-time rule in the stores’ report counts', () => {
  it('covers every outcome of keptPromise', () => {
    expect(new Set(CASES.map((order) => keptPromise(order, order.now)))).toEqual(new Set([true, false, null]));
  });

  it('SQL (both SQL stores count with these conditions) decides as keptPromise does', () => {
    const db = new Database(':memory:');
    try {
      const evaluate = db.prepare(
        `SELECT COALESCE(${KEPT_PROMISE_SQL}, 0) AS kept, COALESCE(${decidedPromiseSql('@now')}, 0) AS decided
         FROM (SELECT @status AS status, @promised_by AS promised_by, @delivered_at AS delivered_at)`,
      );
      for (const order of CASES) {
        const row = evaluate.get(order) as { kept: number; decided: number };
        expect({ order, kept: row.kept === 1, decided: row.decided === 1 }).toEqual({ order, ...expected(order) });
      }
    } finally {
      db.close();
    }
  });

  it('the MongoDB pipeline decides as keptPromise does', async () => {
    const orders = new MongoEmulation().collection<Case & { _id: number }>('orders');
    await orders.insertMany(
      CASES.map((order, index) => ({ _id: index, ...order })),
      { ordered: true },
    );
    for (const now of WHEN) {
      const rows = await orders
        .aggregate<{ _id: number; kept: boolean; decided: boolean }>([
          { $match: { now } },
          { $project: { kept: KEPT_PROMISE, decided: decidedPromise(now) } },
        ])
        .toArray();
      expect(rows).toHaveLength(CASES.filter((order) => order.now === now).length);
      for (const row of rows) {
        const order = CASES[row._id]!;
        expect({ order, kept: row.kept, decided: row.decided }).toEqual({ order, ...expected(order) });
      }
    }
  });
});

import type { RedisClient } from '../gateways/redis';
import { budgetKeyOf } from './client-address';
import type { Context } from 'koa';
import type { RateBudget } from '../config';
import { RateLimitedError } from '../domain/errors';
import type { Principal } from '../domain/principal';
import { withTimeout } from '../with-timeout';

/**
 * Whose budget a request spends: its principal, a courier's device or a payment provider once its key or signature
 * checked out (API.md "Limits (more)": budgeted like an API key, per device or provider), or its client address when it has no valid credentials.
 */
export type Caller =
  | Principal
  | { role: 'device'; tenantId: string; deviceId: string }
  | { role: 'payment-provider'; tenantId: string; providerId: string }
  | { role: 'anonymous'; address: string };

/** The budget's state after one request, as the `RateLimit-*` headers tell it. */
export interface RateLimitVerdict {
  /** False when the budget was already spent: the request is refused (429). */
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the budget's window resets. */
  resetSeconds: number;
}

export interface RateLimitOptions {
  /**
   * The node's fail-fast Redis connection (`enableOfflineQueue: false`): while Redis is down a settle fails at once
   * and the node counts on its own, so no request waits for a reconnection.
   */
  redis: RedisClient;
  /** Prefix of the Redis keys: the cluster's `redisPrefix`, so clusters (and test runs) sharing a Redis never collide. */
  prefix: string;
  /**
   * Per tenant API key, and per courier's device (`RATE_LIMIT_BUSINESS`).
   * @default 2000 per second
   */
  business?: RateBudget;
  /**
   * Per customer, courier, staff member or tracking link, keyed by tenant + role + subject (the order for a
   * tracking link), so all the tokens of one person share it (`RATE_LIMIT_USER`).
   * @default 20 per second
   */
  user?: RateBudget;
  /**
   * Per client address, for calls without valid credentials (`RATE_LIMIT_ANON`).
   * @default 10 per second
   */
  anonymous?: RateBudget;
  /**
   * The part of what remained of a key's budget (as Redis last told) that a node admits on its own before Redis
   * hears of it: the cluster's overshoot in a window is at most (nodes − 1) × this part of the budget. 0 asks
   * Redis about every request.
   * @default 0.1
   */
  share?: number;
  /**
   * A Redis answer later than this counts as Redis being down (the node decides on its own): a request waiting on
   * Redis in flight when the connection drops would otherwise wait for the reconnection.
   * @default 500
   */
  redisTimeoutMs?: number;
  /**
   * After Redis failed to answer, how long the node decides on its own before it asks again.
   * @default 1000
   */
  retryMs?: number;
  /** Counts the requests refused, by budget (`rate_limited_total`). */
  refused?: { inc(labels: { budget: BudgetName }): void };
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
}

export type BudgetName = 'business' | 'user' | 'anonymous';

interface Budget {
  name: BudgetName;
  points: number;
  durationMs: number;
  keyPrefix: string;
}

/** A request the node could not decide alone: decided by the next settle's answer. */
type Waiter = (verdict: RateLimitVerdict) => void;

/** One key's window as this node knows it. */
interface KeyState {
  budget: Budget;
  redisKey: string;
  /** When the window ends (epoch ms): Redis's once it answered, until then from this node's first request. */
  end: number;
  /** Whether `end` is Redis's. */
  endFromRedis: boolean;
  /** The cluster's count in this window, as Redis last answered. */
  known: number;
  /** Requests this node admitted that no Redis answer counted yet (those of a settle in flight included). */
  pending: number;
  waiters: Waiter[];
  settling: boolean;
  /** Bumped when the window ends, so a late answer for the last one leaves the new one alone. */
  generation: number;
}

/**
 * Request budgets of the HTTP API (API.md "Limits"), fixed windows held across the cluster in Redis, decided in
 * the node: each node counts each key's requests itself and settles them with Redis in one batch (an `INCRBY`
 * and a `PEXPIRE … NX` pipelined, plus a `PTTL` the first time in a window), getting back the cluster's count.
 *
 * - A node admits on its own up to `share` (a tenth) of what remained of the budget when Redis last answered;
 *   having spent that, it settles, and requests past it wait for Redis, which decides them exactly, in order, in
 *   one batch. A key far below its budget (a courier's positions) thus costs no Redis command at all, one near
 *   it costs one settle per tenth of what is left, and a spent one costs nothing until its window ends (refused
 *   in the node, since a count Redis answered never goes down within its window).
 * - The bound: within a window the cluster admits at most `points + (nodes − 1) × share × points`, each other
 *   node admitting at most its share of what it last heard remained beyond the count Redis holds; a budget under
 *   1 / `share` points is exact. Nothing is refused before the cluster's count reached the budget.
 * - `RateLimit-Remaining` is what remains as this node knows (what Redis answered, less what it admitted since);
 *   `RateLimit-Reset` is Redis's window end once it answered.
 * - While Redis is down or slow (no answer within `redisTimeoutMs`) each node goes on counting on its own from
 *   what it last heard, so a budget then holds per node; its count is settled, and the cluster's count resumes,
 *   when Redis answers again (asked again after `retryMs`). No request ever waits longer than `redisTimeoutMs`.
 *
 * The platform admin is not limited.
 */
export class RateLimit {
  private readonly budgets: Record<BudgetName, Budget>;
  private readonly keys = new Map<string, KeyState>();
  private readonly redis: RedisClient;
  private readonly share: number;
  private readonly timeoutMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private readonly sweepMs: number;
  /** Until when the node decides on its own, Redis having failed to answer. */
  private aloneUntil = 0;
  private sweptAt: number;

  constructor(private readonly options: RateLimitOptions) {
    this.timeoutMs = options.redisTimeoutMs ?? 500;
    this.retryMs = options.retryMs ?? 1000;
    this.share = options.share ?? 0.1;
    this.now = options.now ?? Date.now;
    this.redis = options.redis;
    if (!(this.timeoutMs > 0)) throw new RangeError('RateLimit: redisTimeoutMs must be > 0');
    if (!(this.retryMs > 0)) throw new RangeError('RateLimit: retryMs must be > 0');
    if (!(this.share >= 0 && this.share < 1)) throw new RangeError('RateLimit: share must be >= 0 and < 1');
    if (options.prefix === '') throw new RangeError('RateLimit: prefix must not be empty');
    const build = (name: BudgetName, fallback: RateBudget): Budget => {
      const budget = options[name] ?? fallback;
      if (!Number.isSafeInteger(budget.points) || budget.points < 1) throw new RangeError(`RateLimit: ${name}.points must be a whole number >= 1`);
      if (!Number.isSafeInteger(budget.durationSeconds) || budget.durationSeconds < 1) {
        throw new RangeError(`RateLimit: ${name}.durationSeconds must be a whole number >= 1`);
      }
      return { name, points: budget.points, durationMs: budget.durationSeconds * 1000, keyPrefix: `${options.prefix}:rl:${name}:` };
    };
    this.budgets = {
      business: build('business', { points: 2000, durationSeconds: 1 }),
      user: build('user', { points: 20, durationSeconds: 1 }),
      anonymous: build('anonymous', { points: 10, durationSeconds: 1 }),
    };
    this.sweepMs = Math.max(10_000, ...Object.values(this.budgets).map((budget) => budget.durationMs));
    this.sweptAt = this.now();
  }

  /** Spends one request of the caller's budget; null when the caller is not limited (the platform admin). */
  consume(caller: Caller): Promise<RateLimitVerdict | null> {
    const target = this.budgetOf(caller);
    if (!target) return Promise.resolve(null);
    const budget = this.budgets[target.name];
    const now = this.now();
    if (now - this.sweptAt >= this.sweepMs) this.sweep(now);
    const id = budget.keyPrefix + target.key;
    let state = this.keys.get(id);
    if (!state) {
      state = { budget, redisKey: id, end: now + budget.durationMs, endFromRedis: false, known: 0, pending: 0, waiters: [], settling: false, generation: 0 };
      this.keys.set(id, state);
    } else if (now >= state.end) {
      this.restart(state, now);
    }
    const { points } = budget;
    // Counts Redis answered never go down within a window: spent is spent, without asking again.
    if (state.known + state.pending >= points) return Promise.resolve(this.refuse(state, now));
    if (!this.clusterAnswers(now)) return Promise.resolve(this.admitAlone(state, now));
    if (state.pending < this.allowance(state)) {
      state.pending++;
      if (state.pending >= this.allowance(state) && !state.settling) this.settle(state);
      return Promise.resolve(this.verdict(state, true, points - state.known - state.pending, now));
    }
    // This node spent its share: Redis decides, together with whatever else waits on this key.
    return new Promise((resolve) => {
      state.waiters.push(resolve);
      if (!state.settling) this.settle(state);
    });
  }

  /**
   * Spends one request of the caller's budget and puts the `RateLimit-*` headers on the answer.
   * @throws RateLimitedError when the budget is spent (429 with `Retry-After`).
   */
  async admit(ctx: Context, caller: Caller): Promise<void> {
    const verdict = await this.consume(caller);
    if (!verdict) return;
    ctx.set('RateLimit-Limit', String(verdict.limit));
    ctx.set('RateLimit-Remaining', String(verdict.remaining));
    ctx.set('RateLimit-Reset', String(verdict.resetSeconds));
    if (!verdict.allowed) throw new RateLimitedError(Math.max(1, verdict.resetSeconds));
  }

  /** How many requests of a key this node may admit before Redis counted them. */
  private allowance(state: KeyState): number {
    return Math.floor((state.budget.points - state.known) * this.share);
  }

  /** Whether Redis is to be asked: connected, and not failing to answer lately. */
  private clusterAnswers(now: number): boolean {
    return this.redis.status === 'ready' && now >= this.aloneUntil;
  }

  /** Tells Redis what this node admitted of a key (and what waits), learning the cluster's count in return. */
  private settle(state: KeyState): void {
    state.settling = true;
    const waiters = state.waiters.splice(0);
    const admitted = state.pending;
    const sent = admitted + waiters.length;
    const { generation } = state;
    const askEnd = !state.endFromRedis;
    const started = this.now();
    const pipeline = this.redis.pipeline().incrby(state.redisKey, sent).pexpire(state.redisKey, state.budget.durationMs, 'NX');
    if (askEnd) pipeline.pttl(state.redisKey);
    withTimeout(pipeline.exec(), this.timeoutMs).then(
      (results) => {
        const failed = !results || results.some(([error]) => error);
        if (failed) return this.unanswered(state, waiters);
        const count = Number(results[0]![1]);
        const windowStarted = results[1]![1] === 1;
        const ttl = askEnd ? Number(results[2]![1]) : -1;
        const now = this.now();
        if (state.generation === generation) {
          state.known = count;
          state.pending -= admitted;
          if (windowStarted) {
            state.end = started + state.budget.durationMs;
            state.endFromRedis = true;
          } else if (ttl > 0) {
            state.end = now + ttl;
            state.endFromRedis = true;
          }
        }
        // Redis's order decides the waiters: what this node admitted first, then the waiters as they came.
        const first = count - sent + admitted;
        for (const [index, resolve] of waiters.entries()) {
          const position = first + index;
          const allowed = position < state.budget.points;
          resolve(allowed ? this.verdict(state, true, state.budget.points - position - 1 - state.pending, now) : this.refuse(state, now));
        }
        state.settling = false;
        this.settleAgain(state);
      },
      () => this.unanswered(state, waiters),
    );
  }

  /** Redis failed to answer a settle: the node decides on its own for a while; its count is kept for the next. */
  private unanswered(state: KeyState, waiters: Waiter[]): void {
    const now = this.now();
    this.aloneUntil = now + this.retryMs;
    state.settling = false;
    for (const resolve of waiters) {
      if (now >= state.end) this.restart(state, now);
      resolve(state.known + state.pending >= state.budget.points ? this.refuse(state, now) : this.admitAlone(state, now));
    }
    // Waiters that came meanwhile are not left waiting either.
    this.settleAgain(state);
  }

  /** After a settle: a next one at once if requests wait or the node spent its share again. */
  private settleAgain(state: KeyState): void {
    if (state.settling) return;
    if (state.waiters.length === 0 && !(state.pending > 0 && state.pending >= this.allowance(state))) return;
    if (this.clusterAnswers(this.now())) return this.settle(state);
    const waiters = state.waiters.splice(0);
    const now = this.now();
    for (const resolve of waiters) resolve(state.known + state.pending >= state.budget.points ? this.refuse(state, now) : this.admitAlone(state, now));
  }

  private admitAlone(state: KeyState, now: number): RateLimitVerdict {
    state.pending++;
    return this.verdict(state, true, state.budget.points - state.known - state.pending, now);
  }

  private refuse(state: KeyState, now: number): RateLimitVerdict {
    this.options.refused?.inc({ budget: state.budget.name });
    return this.verdict(state, false, 0, now);
  }

  private verdict(state: KeyState, allowed: boolean, remaining: number, now: number): RateLimitVerdict {
    return { allowed, limit: state.budget.points, remaining: Math.max(0, remaining), resetSeconds: Math.max(0, Math.ceil((state.end - now) / 1000)) };
  }

  /** A new window for a key whose last one ended. */
  private restart(state: KeyState, now: number): void {
    state.end = now + state.budget.durationMs;
    state.endFromRedis = false;
    state.known = 0;
    state.pending = 0;
    state.generation++;
  }

  /** Forgets the keys whose window ended and that nothing waits on. */
  private sweep(now: number): void {
    this.sweptAt = now;
    for (const [id, state] of this.keys) {
      if (now >= state.end && !state.settling && state.waiters.length === 0) this.keys.delete(id);
    }
  }

  /** Which budget a caller spends, and its key there: tenants never share a key, so never a budget. */
  private budgetOf(caller: Caller): { name: BudgetName; key: string } | null {
    switch (caller.role) {
      case 'admin':
        return null;
      case 'anonymous':
        return { name: 'anonymous', key: budgetKeyOf(caller.address) };
      case 'business':
        // A tenant has one API key.
        return { name: 'business', key: caller.tenantId };
      case 'device':
        return { name: 'business', key: `${caller.tenantId}:device:${caller.deviceId}` };
      case 'payment-provider':
        return { name: 'business', key: `${caller.tenantId}:payment-provider:${caller.providerId}` };
      case 'tracker':
        return { name: 'user', key: `${caller.tenantId}:tracker:${caller.orderId}` };
      default:
        return { name: 'user', key: `${caller.tenantId}:${caller.role}:${caller.subject}` };
    }
  }
}

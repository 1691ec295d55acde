import type { RedisClient } from '../gateways/redis';
import { budgetKeyOf } from './client-address';
import type { Context } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateBudget } from '../config';
import { RateLimitedError } from '../domain/errors';
import type { Principal } from '../domain/principal';

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
   * The node's fail-fast Redis connection (`enableOfflineQueue: false`): while Redis is down a call fails at once
   * and the node's own in-memory budget decides, so no request waits for a reconnection.
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
   * A Redis answer later than this counts as Redis being down for that request (the in-memory budget decides):
   * a request in flight when the connection drops would otherwise wait for the reconnection.
   * @default 500
   */
  redisTimeoutMs?: number;
}

type BudgetName = 'business' | 'user' | 'anonymous';

interface Limiter {
  budget: RateBudget;
  limiter: RateLimiterAbstract;
}

/**
 * Request budgets of the HTTP API (API.md "Limits"), counted in Redis so they hold across the cluster. While
 * Redis is down or slow each node counts on its own in memory (rate-limiter-flexible's `insuranceLimiter`), so a
 * budget then holds per node; Redis is asked again on the next request, so the cluster-wide count resumes as
 * soon as it answers. The platform admin is not limited.
 */
export class RateLimit {
  private readonly limiters: Record<BudgetName, Limiter>;

  constructor(options: RateLimitOptions) {
    const timeoutMs = options.redisTimeoutMs ?? 500;
    if (!(timeoutMs > 0)) throw new RangeError('RateLimit: redisTimeoutMs must be > 0');
    if (options.prefix === '') throw new RangeError('RateLimit: prefix must not be empty');
    const budgets: Record<BudgetName, RateBudget> = {
      business: options.business ?? { points: 2000, durationSeconds: 1 },
      user: options.user ?? { points: 20, durationSeconds: 1 },
      anonymous: options.anonymous ?? { points: 10, durationSeconds: 1 },
    };
    const build = (name: BudgetName): Limiter => {
      const budget = budgets[name];
      if (!Number.isSafeInteger(budget.points) || budget.points < 1) throw new RangeError(`RateLimit: ${name}.points must be a whole number >= 1`);
      if (!Number.isSafeInteger(budget.durationSeconds) || budget.durationSeconds < 1) {
        throw new RangeError(`RateLimit: ${name}.durationSeconds must be a whole number >= 1`);
      }
      const keyPrefix = `${options.prefix}:rl:${name}`;
      const common = { keyPrefix, points: budget.points, duration: budget.durationSeconds };
      const cluster = new RateLimiterRedis({
        ...common,
        storeClient: options.redis,
        // Not connected: straight to the in-memory budget, without even trying.
        rejectIfRedisNotReady: true,
        // A spent budget is remembered on this node until its window ends: a flood is refused without a Redis
        // round trip per request, and the window's end is Redis's, so the cluster still agrees.
        inMemoryBlockOnConsumed: budget.points + 1,
        insuranceLimiter: new RateLimiterMemory(common),
      });
      return { budget, limiter: new RLWrapperTimeouts({ limiter: cluster, timeoutMs }) };
    };
    this.limiters = { business: build('business'), user: build('user'), anonymous: build('anonymous') };
  }

  /** Spends one request of the caller's budget; null when the caller is not limited (the platform admin). */
  async consume(caller: Caller): Promise<RateLimitVerdict | null> {
    const target = this.budgetOf(caller);
    if (!target) return null;
    const { budget, limiter } = this.limiters[target.name];
    let allowed = true;
    let state: RateLimiterRes;
    try {
      state = await limiter.consume(target.key);
    } catch (error) {
      // The library refuses with the budget's state; anything else is a failure of the in-memory fallback itself.
      if (!(error instanceof RateLimiterRes)) throw error;
      state = error;
      allowed = false;
    }
    return {
      allowed,
      limit: budget.points,
      remaining: allowed ? state.remainingPoints : 0,
      resetSeconds: Math.max(0, Math.ceil(state.msBeforeNext / 1000)),
    };
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

import type { Context } from 'koa';
import type { z } from 'zod';
import { ValidationError } from '../domain/errors';
import type { Principal, PrincipalRole } from '../domain/principal';

/** What a handler receives: validated, typed input and the caller. */
export interface RouteInput<B, Q> {
  ctx: Context;
  principal: Principal;
  params: Record<string, string>;
  body: B;
  query: Q;
}

export interface RouteResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One HTTP route: its contract (for validation and the OpenAPI document) and its handler. */
export interface RouteSpec<B extends z.ZodType | undefined = z.ZodType | undefined, Q extends z.ZodType | undefined = z.ZodType | undefined> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Koa path, e.g. `/v1/orders/:id`. */
  path: string;
  summary: string;
  /** Roles that may call it at all (others get 403); `public` needs no token. */
  roles: readonly PrincipalRole[] | 'public';
  body?: B;
  /**
   * A body the handler reads itself (a signed body checked before it is parsed, a stream parsed as it arrives):
   * described in the OpenAPI document, never read before the handler. Not with `body`.
   */
  rawBody?: { mediaType: string; schema: z.ZodType; description: string };
  query?: Q;
  /** Success status and body schema. */
  status: number;
  response?: z.ZodType;
  /** Media type of a success answer that is not JSON (e.g. `text/csv`), for the OpenAPI document. */
  produces?: string;
  /** Extra documented error statuses besides 400/401/403. */
  errors?: number[];
  /** Other success answers, e.g. a replay answered 200 where a first call is 201. */
  alsoReturns?: Array<{ status: number; description: string }>;
  handler: (
    input: RouteInput<B extends z.ZodType ? z.output<B> : undefined, Q extends z.ZodType ? z.output<Q> : undefined>,
  ) => Promise<RouteResult>;
}

/** Declares a route with its input types inferred from its schemas. */
export function route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<B, Q>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** Validates `value` against `schema`. @throws ValidationError listing every bad field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    `the request ${where} is not valid`,
    result.error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.join('.') : where,
      message: issue.message,
      code: issue.code,
    })),
  );
}

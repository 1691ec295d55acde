import type { Readable } from 'node:stream';
import type { Context } from 'koa';
import type { z } from 'zod';
import { ValidationError } from '../domain/errors';
import { requireRole, type Principal, type PrincipalRole } from '../domain/principal';
import { JSON_MEDIA_TYPES, readJson, requireMediaType } from './body';
import type { errorResponse } from './schemas';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The error statuses a route can answer (API.md "Errors"); 400, 401, 403, 413, 415, 429 and 503 follow from its declaration. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 503;

/** Who may call a route: the roles its caller may have (others get 403), or `public` (no token, no caller). */
export type Audience = readonly PrincipalRole[] | 'public';

/** The parameter names of a Koa path: `/v1/webhooks/:id/deliveries/:message_id` → `'id' | 'message_id'`. */
export type ParamNames<Path extends string> = Path extends `${string}:${infer Rest}`
  ? Rest extends `${infer Name}/${infer Tail}`
    ? Name | ParamNames<Tail>
    : Rest
  : never;

/** The path parameters a handler receives: one string per `:name` of its path, and no other. */
export type PathParams<Path extends string> = { readonly [Name in ParamNames<Path>]: string };

/** The caller a handler receives: a principal of one of the declared roles; a public route has none. */
export type Caller<A extends Audience> = A extends readonly (infer Role)[] ? { principal: Extract<Principal, { role: Role }> } : NoCaller;
type NoCaller = Record<never, never>;

/** A request part as its schema parses it, or `undefined` when the route declares none. */
export type Parsed<S extends z.ZodType | undefined> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler receives: the validated, typed input and, unless the route is public, the caller. */
export type RouteInput<Path extends string, A extends Audience, B extends z.ZodType | undefined, Q extends z.ZodType | undefined> = {
  ctx: Context;
  params: PathParams<Path>;
  body: Parsed<B>;
  query: Parsed<Q>;
  /** The caller by its bearer token, budgeted like any authenticated call: for a public route that also takes one. */
  authenticate: () => Promise<Principal>;
} & Caller<A>;

/** The body of every error answer (API.md "Errors"). */
export type ErrorBody = z.input<typeof errorResponse>;

/**
 * The body a success answer must have: what its response schema takes (so the OpenAPI document shows what is
 * sent), a text or a stream for a route that produces another media type, nothing for a route that declares
 * neither. A route that streams its document (`streamed`) may answer a stream that writes it.
 */
export type SuccessBody<R extends z.ZodType | undefined, M extends string | undefined, St extends boolean> =
  | (R extends z.ZodType ? z.input<R> : M extends string ? string | Buffer | Readable : undefined)
  | (St extends true ? Readable : never);

/** The headers an answer may set: those its route declares, and its content type. */
export type AnswerHeaders<H extends string> = { [Name in H | 'Content-Type']?: string };

/**
 * A handler's answer: one of the route's success statuses with the body and headers it declares, or one of the
 * error statuses it declares with the error body.
 */
export type RouteResult<S extends number, Body, H extends string, E extends ErrorStatus> =
  | ({ status?: S; headers?: AnswerHeaders<H> } & (undefined extends Body ? { body?: Body } : { body: Body }))
  | ([E] extends [never] ? never : { status: E; body: ErrorBody; headers?: { 'Retry-After'?: string } });

/** A body the handler reads itself, described in the OpenAPI document and checked for its media type before. */
export interface RawBody {
  mediaType: string;
  /** Further media types the route reads the same way (images of several formats). */
  alsoMediaTypes?: readonly string[];
  schema: z.ZodType;
  description: string;
}

/** A request header a route reads: what it says and whether a request must have it. */
export interface RequestHeader {
  description: string;
  required?: boolean;
}

/**
 * One HTTP route as it is declared: its contract (validation, the OpenAPI document) and its handler, whose input
 * and answer types follow from the contract.
 */
export interface RouteSpec<
  Path extends string,
  A extends Audience,
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  S extends number,
  Also extends number,
  R extends z.ZodType | undefined,
  M extends string | undefined,
  St extends boolean,
  H extends string,
  E extends ErrorStatus,
> {
  method: Method;
  /** Koa path, e.g. `/v1/orders/:id`: its `:names` are the handler's `params`. */
  path: Path;
  /** Unique across the API: the name client generators give the call. */
  operationId: string;
  summary: string;
  /** Roles that may call it at all (others get 403); `public` needs no token and gives the handler no caller. */
  roles: A;
  /** A JSON body, parsed and validated before the handler runs. Not with `rawBody`. */
  body?: B;
  /**
   * A body the handler reads itself (a signed body checked before it is parsed, a stream parsed as it arrives):
   * described in the OpenAPI document, its media type checked, never read before the handler. Not with `body`.
   */
  rawBody?: RawBody;
  query?: Q;
  /** Request headers the route reads, by name (the handler reads them from `ctx`). */
  requestHeaders?: Readonly<Record<string, RequestHeader>>;
  /** Success status and body schema. */
  status: S;
  response?: R;
  /** Media type of a success answer that is not JSON (e.g. `text/csv`), for the OpenAPI document. */
  produces?: M;
  /** The success body is written as it is read (a stream of the documented document). */
  streamed?: St;
  /** Headers of a success answer, by name, with what they say. */
  headers?: { readonly [Name in H]: string };
  /** Error statuses besides those that follow from the declaration (400, 401, 403, 413, 415, 429, 503). */
  errors?: readonly E[];
  /** Other success answers, e.g. a replay answered 200 where a first call is 201. */
  alsoReturns?: ReadonlyArray<{ status: Also; description: string }>;
  handler: (input: RouteInput<Path, A, B, Q>) => Promise<NoInfer<RouteResult<S | Also, SuccessBody<R, M, St>, H, E>>>;
}

/** Establishes who is calling (a bearer token), once the caller's budget admits the request. */
export type Authenticate = (ctx: Context) => Promise<Principal>;

/** A declared route as the router mounts it and the OpenAPI document describes it. */
export interface Route {
  readonly method: Method;
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly roles: Audience;
  readonly body?: z.ZodType;
  readonly rawBody?: RawBody;
  readonly query?: z.ZodType;
  readonly requestHeaders?: Readonly<Record<string, RequestHeader>>;
  readonly status: number;
  readonly response?: z.ZodType;
  readonly produces?: string;
  readonly streamed?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  readonly errors?: readonly ErrorStatus[];
  readonly alsoReturns?: ReadonlyArray<{ status: number; description: string }>;
  /**
   * Answers one request: the caller (checked against the roles), the query, the body's media type and the body,
   * then the handler. `params` are the router's matches of the path.
   */
  answer(ctx: Context, params: Record<string, string>, authenticate: Authenticate): Promise<void>;
}

/** Declares a route: its handler's input and answer are typed from its path, roles and schemas. */
export function route<
  const Path extends string,
  const A extends Audience,
  const S extends number,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  Also extends number = never,
  R extends z.ZodType | undefined = undefined,
  M extends string | undefined = undefined,
  St extends boolean = false,
  H extends string = never,
  E extends ErrorStatus = never,
>(spec: RouteSpec<Path, A, B, Q, S, Also, R, M, St, H, E>): Route {
  const { handler, ...declared } = spec;
  const readParams = paramReader(spec.path);
  return {
    ...declared,
    async answer(ctx, matched, authenticate) {
      const caller = await admit(spec.roles, ctx, authenticate);
      const query = parse(spec.query, ctx.query, 'query');
      let content: unknown;
      if (spec.body) {
        requireMediaType(ctx, JSON_MEDIA_TYPES);
        content = await readJson(ctx);
      } else if (spec.rawBody) {
        requireMediaType(ctx, [spec.rawBody.mediaType, ...(spec.rawBody.alsoMediaTypes ?? [])]);
      }
      const body = parse(spec.body, content, 'body');
      const result = await handler({ ctx, params: readParams(matched), body, query, authenticate: () => authenticate(ctx), ...caller });
      ctx.status = result.status ?? spec.status;
      for (const [name, value] of Object.entries(result.headers ?? {})) {
        if (value !== undefined) ctx.set(name, value);
      }
      if (result.body !== undefined) ctx.body = result.body;
    },
  };
}

/**
 * The caller of a route with roles, once authenticated and of one of them; nothing for a public route.
 * @throws UnauthorizedError, RateLimitedError, or ForbiddenError for a role the route does not admit
 */
function admit<A extends Audience>(audience: A, ctx: Context, authenticate: Authenticate): Promise<Caller<A>>;
async function admit(audience: Audience, ctx: Context, authenticate: Authenticate): Promise<Caller<Audience>> {
  if (audience === 'public') return {};
  return { principal: requireRole(await authenticate(ctx), audience) };
}

/** A declared request part parsed by its schema; `undefined` when the route declares none. */
function parse<S extends z.ZodType | undefined>(schema: S | undefined, value: unknown, where: 'body' | 'query'): Parsed<S>;
function parse(schema: z.ZodType | undefined, value: unknown, where: 'body' | 'query'): unknown {
  return schema === undefined ? undefined : validate(schema, value, where);
}

/**
 * Reads a path's parameters from the router's matches. The router matched this very path, so each of its names has
 * a value; one missing would be a router bug, and fails loudly rather than reach a handler as `undefined`.
 */
function paramReader<Path extends string>(path: Path): (matched: Record<string, string>) => PathParams<Path>;
function paramReader(path: string): (matched: Record<string, string>) => Record<string, string> {
  const names = [...path.matchAll(/:(\w+)/g)].map(([, name]) => name ?? '');
  return (matched) => {
    for (const name of names) {
      if (typeof matched[name] !== 'string') throw new Error(`the router matched ${path} without its parameter ${name}`);
    }
    return matched;
  };
}

/** Validates `value` against `schema`. @throws ValidationError listing every bad field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
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

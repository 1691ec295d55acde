import { z } from 'zod';
import { route, type ErrorStatus, type Parsed, type Route } from '../route';
import { shown } from '../shown';

/** What the business may keep in a collection of its own (webhook endpoints, sources). */
const KEEPERS = ['business'] as const;

/** A record as its schema shows it. */
type Shown<Shape extends z.ZodRawShape> = z.input<z.ZodObject<Shape>>;

/** The use cases behind a collection, each scoped to the caller's tenant (another tenant's record is not found). */
export interface Keeper<Shape extends z.ZodRawShape, Created extends z.ZodRawShape, Body extends z.ZodType, Patch extends z.ZodType> {
  /** Registers a record; the answer holds its signing secret, shown this once. */
  create(tenantId: string, body: Parsed<Body>): Promise<Shown<Created>>;
  list(tenantId: string): Promise<Array<Shown<Shape>>>;
  update(tenantId: string, id: string, patch: Parsed<Patch>): Promise<Shown<Shape>>;
  remove(tenantId: string, id: string): Promise<void>;
}

export interface Collection<Shape extends z.ZodRawShape, Created extends z.ZodRawShape, Body extends z.ZodType, Patch extends z.ZodType> {
  /** The collection's path; one record is at `<base>/:id`. */
  base: `/v1/${string}`;
  /** One record and several, as operation ids name them: `Webhook`, `Webhooks` (`createWebhook`, `listWebhooks`, …). */
  names: { one: string; many: string };
  /** What each route does, for the OpenAPI document. */
  summaries: { create: string; list: string; update: string; remove: string };
  body: Body;
  patch: Patch;
  /** A record as the API shows it (never its secret), and as registering answers it (with the secret). */
  view: z.ZodObject<Shape>;
  created: z.ZodObject<Created>;
  /** Answers registering may give beside those every route can (409: the tenant has as many as it may). */
  createErrors?: readonly ErrorStatus[];
  /** Called by the handlers only (describing the routes needs none of it). */
  keeper: Keeper<Shape, Created, Body, Patch>;
  /** Reading one record, where the collection has that route. */
  read?: { summary: string; get(tenantId: string, id: string): Promise<Shown<Shape>> };
}

/**
 * The routes of a collection a business keeps (its webhook endpoints, its sources): register a record (its signing
 * secret answered this once), list them, read one (where the collection has that), change one, remove one.
 */
export function collectionRoutes<Shape extends z.ZodRawShape, Created extends z.ZodRawShape, Body extends z.ZodType, Patch extends z.ZodType>(
  c: Collection<Shape, Created, Body, Patch>,
): Route[] {
  const one = `${c.base}/:id` as const;
  const { read } = c;
  return [
    route({
      method: 'post',
      path: c.base,
      operationId: `create${c.names.one}`,
      summary: c.summaries.create,
      roles: KEEPERS,
      body: c.body,
      status: 201,
      response: c.created,
      errors: c.createErrors ?? [],
      handler: async ({ principal, body }) => ({ body: shown(c.created, await c.keeper.create(principal.tenantId, body)) }),
    }),
    route({
      method: 'get',
      path: c.base,
      operationId: `list${c.names.many}`,
      summary: c.summaries.list,
      roles: KEEPERS,
      status: 200,
      response: z.object({ items: z.array(c.view) }),
      handler: async ({ principal }) => ({ body: { items: (await c.keeper.list(principal.tenantId)).map((record) => shown(c.view, record)) } }),
    }),
    ...(read === undefined
      ? []
      : [
          route({
            method: 'get',
            path: one,
            operationId: `get${c.names.one}`,
            summary: read.summary,
            roles: KEEPERS,
            status: 200,
            response: c.view,
            errors: [404],
            handler: async ({ principal, params }) => ({ body: shown(c.view, await read.get(principal.tenantId, params.id)) }),
          }),
        ]),
    route({
      method: 'patch',
      path: one,
      operationId: `update${c.names.one}`,
      summary: c.summaries.update,
      roles: KEEPERS,
      body: c.patch,
      status: 200,
      response: c.view,
      errors: [404],
      handler: async ({ principal, params, body }) => ({ body: shown(c.view, await c.keeper.update(principal.tenantId, params.id, body)) }),
    }),
    route({
      method: 'delete',
      path: one,
      operationId: `delete${c.names.one}`,
      summary: c.summaries.remove,
      roles: KEEPERS,
      status: 204,
      errors: [404],
      handler: async ({ principal, params }) => {
        await c.keeper.remove(principal.tenantId, params.id);
        return {};
      },
    }),
  ];
}

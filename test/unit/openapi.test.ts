import { allRoutes } from '../../src/http/app';
import type { HttpDeps } from '../../src/http/deps';
import { buildOpenApi } from '../../src/http/openapi';

// Describing the routes calls none of the services they close over.
const noServices = new Proxy({}, { get: () => undefined }) as HttpDeps;
const routes = allRoutes(noServices);
const document = buildOpenApi(routes);

interface Operation {
  operationId: string;
  security?: unknown[];
  'x-roles'?: string[];
  requestBody?: unknown;
  responses: Record<string, { headers?: Record<string, { $ref: string }>; content?: Record<string, { schema: Record<string, any> }> }>;
}

const operations: Array<[string, Operation]> = Object.entries(document.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation as Operation]),
);
const headerNames = (response: { headers?: Record<string, unknown> } | undefined) => Object.keys(response?.headers ?? {}).sort();

describe('the OpenAPI document', () => {
  it('has every route once, each with its own operationId, a license and a server', () => {
    expect(operations).toHaveLength(routes.length);
    const ids = operations.map(([, operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(document.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('refuses two routes with one operationId', () => {
    expect(() => buildOpenApi([routes[0]!, { ...routes[1]!, operationId: routes[0]!.operationId }])).toThrow(/operationId/);
  });

  it('documents on every authenticated operation its 401, 403, 429 and 503, with the headers the server sends', () => {
    const authenticated = operations.filter(([, operation]) => operation['x-roles'] !== undefined);
    expect(authenticated.length).toBeGreaterThan(35);
    for (const [name, { responses }] of authenticated) {
      expect({ name, statuses: Object.keys(responses) }).toEqual({ name, statuses: expect.arrayContaining(['401', '403', '429', '503']) });
      const rateLimit = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];
      expect({ name, headers: headerNames(responses['429']) }).toEqual({ name, headers: [...rateLimit, 'Retry-After'].sort() });
      expect({ name, headers: headerNames(responses['401']) }).toEqual({ name, headers: [...rateLimit, 'WWW-Authenticate'].sort() });
      expect({ name, headers: headerNames(responses['503']) }).toEqual({ name, headers: [...rateLimit, 'Retry-After'].sort() });
      // Every answer of a limited route tells the budget, a success too.
      const success = Object.keys(responses).find((status) => status.startsWith('2'))!;
      expect({ name, headers: headerNames(responses[success]) }).toEqual({ name, headers: expect.arrayContaining(rateLimit) });
    }
    const statusPost = document.paths['/v1/orders/{id}/status']!.post as Operation;
    expect(headerNames(statusPost.responses['200'])).toEqual(expect.arrayContaining(['Event-Outcome', 'Event-Seq']));
  });

  it('documents 413 and 415 wherever a body is read, and only there', () => {
    for (const [name, operation] of operations) {
      const statuses = Object.keys(operation.responses);
      const hasBody = operation.requestBody !== undefined;
      expect({ name, 413: statuses.includes('413'), 415: statuses.includes('415') }).toEqual({ name, 413: hasBody, 415: hasBody });
    }
  });

  it('declares a delivery log line once: the export has the same fields, its order, and in-flight statuses', () => {
    const notifications = (document.paths['/v1/orders/{id}/notifications']!.get as Operation).responses['200']!.content!['application/json']!.schema;
    const exported = (document.paths['/v1/customers/{id}/export']!.get as Operation).responses['200']!.content!['application/json']!.schema;
    const line = notifications.properties.items.items;
    const exportedLine = exported.properties.notifications.items;
    expect(Object.keys(exportedLine.properties).sort()).toEqual([...Object.keys(line.properties), 'order_id'].sort());
    expect(exportedLine.properties.status.enum).toEqual(expect.arrayContaining([...line.properties.status.enum, 'sending', 'retrying']));
    for (const field of ['kind', 'relay', 'attempts', 'reason', 'error']) expect(exportedLine.properties[field]).toEqual(line.properties[field]);
  });
});

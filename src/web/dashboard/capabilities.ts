/**
 * What this server's API offers, read from its public `/openapi.json`. Features that arrive in later versions
 * (webhooks, reports, `promised_to`) are asked for only when the server has them, so the dashboard never fills
 * the console with 404s and 400s against an older node.
 */
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  'x-roles'?: string[];
}

export interface Capabilities {
  /** Whether the API has this route (`path` in OpenAPI form: `/v1/orders/{id}`). Unknown: true. */
  has(method: Method, path: string): boolean;
  /** Whether the route takes this query parameter. Unknown: true. */
  takes(method: Method, path: string, parameter: string): boolean;
  /** Whether `role` may call the route. Unknown: true. */
  allows(method: Method, path: string, role: string): boolean;
}

/** Reads the API description once; when it cannot be read, everything is assumed to exist. */
export async function loadCapabilities(): Promise<Capabilities> {
  let paths: Record<string, Partial<Record<Method, Operation>>> | null = null;
  try {
    const response = await fetch('/openapi.json');
    if (response.ok) paths = ((await response.json()) as { paths?: typeof paths }).paths ?? null;
  } catch {
    paths = null; // the calls themselves will say what is wrong
  }
  const operation = (method: Method, path: string): Operation | undefined => paths?.[path]?.[method];
  return {
    has: (method, path) => paths === null || operation(method, path) !== undefined,
    takes: (method, path, parameter) => {
      if (paths === null) return true;
      return operation(method, path)?.parameters?.some((p) => p.in === 'query' && p.name === parameter) ?? false;
    },
    allows: (method, path, role) => {
      if (paths === null) return true;
      const found = operation(method, path);
      return found !== undefined && (found['x-roles'] === undefined || found['x-roles'].includes(role));
    },
  };
}

import jwt from 'jsonwebtoken';
import { client, type ApiResponse } from './http';

/** Small shared helpers for the integration tests. */

export type Client = ReturnType<typeof client>;

let counter = 0;
/** A unique string, for ids and names that must not collide inside one server. */
export function unique(prefix = 'x'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

/** An ISO instant `offsetMs` from now. */
export function iso(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString();
}

/** Asserts the API.md error shape and returns the error object. */
export function expectError(response: ApiResponse, status: number, code?: string) {
  expect({ status: response.status, body: response.body }).toMatchObject({
    status,
    body: { error: { code: code ?? expect.any(String), message: expect.any(String) } },
  });
  // Only `error` at the top level: an error response carries no resource data.
  expect(Object.keys(response.body)).toEqual(['error']);
  return response.body.error as { code: string; message: string; details?: unknown };
}

/** Places an order and returns the 201 body. */
export async function placeOrder(api: Client, body: Record<string, unknown> = {}, headers?: Record<string, string>) {
  const customer = (body.customer as Record<string, unknown> | undefined) ?? { id: unique('cust') };
  const response = await api.post('/v1/orders', { ...body, customer }, headers ? { headers } : undefined);
  if (response.status !== 201) throw new Error(`place failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Record<string, any> & { id: string; tracking_token: string; version: number };
}

/** Every order id visible to `api` through search (follows the cursor to the end). */
export async function allOrderIds(api: Client, query = ''): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const sep = query ? '&' : '';
    const path: string = `/v1/orders?${query}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await api.get(path);
    if (response.status !== 200) throw new Error(`search failed: ${response.status} ${JSON.stringify(response.body)}`);
    ids.push(...(response.body.items as Array<{ id: string }>).map((order) => order.id));
    cursor = response.body.next_cursor;
    if (!cursor) return ids;
  }
  throw new Error('search did not end');
}

/** Signs a JWT with the claim layout of src/auth/token-service.ts (tid, role, sub|oid, iat, exp, iss). */
export function craftJwt(
  claims: { tid: string; role: string; sub?: string; oid?: string; iat: number; exp: number },
  secret: string,
  issuer = 'order-tracking',
): string {
  return jwt.sign(claims, secret, { algorithm: 'HS256', issuer });
}

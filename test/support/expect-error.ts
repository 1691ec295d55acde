import type { ApiResponse } from './http';

/** Asserts the API.md error shape (`{ error: { code, message, details? } }`, nothing else) and returns the error. */
export function expectError(response: ApiResponse, status: number, code?: string) {
  expect({ status: response.status, body: response.body }).toMatchObject({
    status,
    body: { error: { code: code ?? expect.any(String), message: expect.any(String) } },
  });
  // Only `error` at the top level: an error response carries no resource data.
  expect(Object.keys(response.body)).toEqual(['error']);
  return response.body.error as { code: string; message: string; details?: unknown };
}

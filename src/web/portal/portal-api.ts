import { ApiError, toError } from '../shared/api';

/**
 * The public API with the customer's token. A 401 means the session is over (expired or revoked), which
 * `onSessionEnded` hears before the call fails.
 */
export class PortalApi {
  constructor(
    readonly token: string,
    private readonly onSessionEnded: () => void,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.call<T>('POST', path, body, headers);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      // Answers carry personal data: never kept by the browser's cache.
      cache: 'no-store',
    });
    if (!response.ok) {
      const error = await toError(response);
      if (error.status === 401) this.onSessionEnded();
      throw error;
    }
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
}

/** Whether a failed call failed for want of a network (fetch itself threw), not by the server's answer. */
export function isOffline(error: unknown): boolean {
  return !(error instanceof ApiError);
}

/** The path of a customer's own resource. */
export function customerPath(customerId: string, rest: string): string {
  return `/v1/customers/${encodeURIComponent(customerId)}/${rest}`;
}

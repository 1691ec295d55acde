import { ApiError, toError } from '../shared/api';

/**
 * The public API with the courier's token. A 401 means the session is over (expired, or the courier was made
 * inactive: API.md refuses its every token at once), which `onSessionEnded` hears before the call fails.
 */
export class CourierApi {
  constructor(
    private readonly token: string,
    private readonly onSessionEnded: () => void,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.call<T>('POST', path, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  }

  /** Raw bytes (a picture) with their content type. */
  upload<T>(path: string, blob: Blob, headers: Record<string, string>): Promise<T> {
    return this.call<T>('POST', path, blob, { 'content-type': blob.type, ...headers });
  }

  private async call<T>(method: string, path: string, body?: BodyInit, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(path, { method, headers: { authorization: `Bearer ${this.token}`, ...headers }, body, cache: 'no-store' });
    if (!response.ok) {
      const error = await toError(response);
      if (error.status === 401) this.onSessionEnded();
      throw error;
    }
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
}

/** Whether trying the same call later may succeed: no network, a timeout, a rate limit or a server fault. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true; // fetch failed: no network
  return error.status === 408 || error.status === 429 || error.status >= 500;
}

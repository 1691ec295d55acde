/** A failed API call, in the words of API.md's error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * The public API, called with one bearer token (a tenant API key, a staff token or a tracking link's token). The
 * token stays in memory (and, for the dashboard, in the tab's sessionStorage): never in a URL, never in localStorage.
 */
export class Api {
  constructor(private readonly token: string) {}

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  /** Sends raw bytes (an attachment) with their content type. */
  async upload<T>(path: string, bytes: Blob, contentType: string): Promise<T> {
    const response = await fetch(path, { method: 'POST', headers: { authorization: `Bearer ${this.token}`, 'content-type': contentType }, body: bytes });
    if (!response.ok) throw await toError(response);
    return (await response.json()) as T;
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  /** The raw answer (for downloads such as the CSV export). */
  async fetch(path: string): Promise<Response> {
    const response = await fetch(path, { headers: { authorization: `Bearer ${this.token}` } });
    if (!response.ok) throw await toError(response);
    return response;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw await toError(response);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
}

/** The API's error answer as an ApiError (a body that is not the error shape keeps the status). */
export async function toError(response: Response): Promise<ApiError> {
  try {
    const { error } = (await response.json()) as { error: { code: string; message: string; details?: unknown } };
    return new ApiError(response.status, error.code, error.message, error.details);
  } catch {
    return new ApiError(response.status, 'http_error', `the server answered ${response.status}`);
  }
}

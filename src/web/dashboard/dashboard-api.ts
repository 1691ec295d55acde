import { Api, ApiError } from '../shared/api';

/** Reads that hit the request budget are tried again this many times, waiting a little longer each time. */
const READ_RETRIES = 2;
const RETRY_BASE_MS = 700;

/**
 * The API as the signed-in dashboard calls it: a 401 ends the session (a staff token expired or was revoked),
 * and reads answered 429 (`rate_limited`, the staff budget is per person) are retried after a short wait.
 */
export class DashboardApi {
  private readonly api: Api;

  constructor(
    token: string,
    private readonly onSessionEnded: () => void,
  ) {
    this.api = new Api(token);
  }

  get<T>(path: string): Promise<T> {
    return this.guard(() => this.api.get<T>(path), READ_RETRIES);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.guard(() => this.api.post<T>(path, body), 0);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.guard(() => this.api.patch<T>(path, body), 0);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.guard(() => this.api.put<T>(path, body), 0);
  }

  upload<T>(path: string, bytes: Blob, contentType: string): Promise<T> {
    return this.guard(() => this.api.upload<T>(path, bytes, contentType), 0);
  }

  delete<T>(path: string): Promise<T> {
    return this.guard(() => this.api.delete<T>(path), 0);
  }

  /** The raw answer of a GET (downloads). */
  fetch(path: string): Promise<Response> {
    return this.guard(() => this.api.fetch(path), READ_RETRIES);
  }

  private async guard<T>(call: () => Promise<T>, retries: number): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) this.onSessionEnded();
        const again = error instanceof ApiError && error.status === 429 && attempt < retries;
        if (!again) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * (attempt + 1)));
      }
    }
  }
}

import twilio from 'twilio';
import type { AlertMessage, Channel } from './channel';
import { PermanentDeliveryError, TransientDeliveryError, type DeliveryError } from './delivery-errors';

export interface SmsChannelOptions {
  accountSid: string;
  authToken: string;
  /** Sender number or messaging service. */
  from: string;
  /**
   * Base URL of Twilio's REST API: a regional proxy, or a local stand-in in tests.
   * @default 'https://api.twilio.com'
   */
  apiBase?: string;
  /**
   * Request timeout, in ms.
   * @default 10000
   */
  timeoutMs?: number;
}

const TWILIO_API = 'https://api.twilio.com';

/** Sends every request of the official client to `apiBase` instead of api.twilio.com. */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(
    private readonly apiBase: string,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs, keepAlive: true });
  }

  override request<TData>(opts: Parameters<twilio.RequestClient['request']>[0]) {
    const uri = opts.uri.startsWith(TWILIO_API) ? this.apiBase.replace(/\/$/, '') + opts.uri.slice(TWILIO_API.length) : opts.uri;
    return super.request<TData>({ ...opts, uri } as never);
  }
}

/** SMS through the official `twilio` client. */
export class SmsChannel implements Channel {
  readonly name = 'sms' as const;
  private readonly client: ReturnType<typeof twilio>;

  constructor(private readonly options: SmsChannelOptions) {
    const apiBase = options.apiBase ?? TWILIO_API;
    this.client = twilio(options.accountSid, options.authToken, {
      httpClient: new RebasedRequestClient(apiBase, options.timeoutMs ?? 10_000),
      // Retries are ours (with the delivery log), not the client's.
      autoRetry: false,
    });
  }

  async send(message: AlertMessage): Promise<void> {
    try {
      await this.client.messages.create({ to: message.to, from: this.options.from, body: message.sms });
    } catch (error) {
      throw classifyTwilioError(error);
    }
  }
}

// Twilio error codes that mean the number itself can never receive this message.
const PERMANENT_CODES = new Set([21211, 21212, 21214, 21217, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006]);

/** 429 and 5xx are transient; an invalid or unreachable number (21211 and kin) and other 4xx are permanent. */
export function classifyTwilioError(error: unknown): DeliveryError {
  const rest = error as { status?: number; code?: number };
  const text = `twilio ${rest.status ?? 'error'}${rest.code ? ` (${rest.code})` : ''}`;
  if (typeof rest.code === 'number' && PERMANENT_CODES.has(rest.code)) return new PermanentDeliveryError(text, rest.code);
  if (typeof rest.status === 'number') {
    if (rest.status === 429 || rest.status >= 500) return new TransientDeliveryError(text, rest.code ?? rest.status);
    if (rest.status >= 400) return new PermanentDeliveryError(text, rest.code ?? rest.status);
  }
  // No HTTP answer at all: connection refused, reset or timed out.
  return new TransientDeliveryError(text);
}

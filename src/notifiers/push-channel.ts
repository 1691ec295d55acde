import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import webpush, { WebPushError, type RequestOptions } from 'web-push';
import type { VapidKeys } from '../domain/push';
import type { PushPayload, PushSender, PushTarget } from './channel';
import { PermanentDeliveryError, SubscriptionGoneError, TransientDeliveryError, type DeliveryError } from './delivery-errors';
import { BlockedDestinationError, type DestinationGuard } from './destination-guard';

export interface WebPushChannelOptions {
  /** The cluster's VAPID key pair and subject (RFC 8292). */
  vapid: VapidKeys & { subject: string };
  /** Refuses private destinations (`WEBHOOK_ALLOW_PRIVATE` unset) on every connection, as for webhooks. */
  guard: DestinationGuard;
  /**
   * How long a push service keeps a message for a device that is offline (RFC 8030 TTL), in seconds: an alert a day
   * old tells nothing the tracking page does not.
   * @default 86400
   */
  ttlSeconds?: number;
  /**
   * One attempt's time limit without an answer, in ms.
   * @default 10000
   */
  timeoutMs?: number;
  /** Certificate authorities trusted beside the system's (a push service of one's own, tests). @default none */
  ca?: string;
  /**
   * Connections kept per push service in this process.
   * @default 16
   */
  maxSocketsPerHost?: number;
}

/**
 * Web Push over `web-push` (RFC 8030 delivery, RFC 8291 `aes128gcm` encryption, RFC 8292 VAPID): every connection
 * resolves the push service through the destination guard, as webhooks do. An `http:` endpoint (accepted only with
 * `WEBHOOK_ALLOW_PRIVATE`: a local push service) gets the same request over plain HTTP. Messages of one order share a
 * Topic, so a push service holding one for an offline device replaces it with the newer one.
 */
export class WebPushChannel implements PushSender {
  readonly name = 'push' as const;
  private readonly agents: { https: https.Agent; http: http.Agent };
  private readonly options: RequestOptions & { timeout: number };

  constructor(private readonly settings: WebPushChannelOptions) {
    const { guard } = settings;
    const agentOptions = { keepAlive: true, maxSockets: settings.maxSocketsPerHost ?? 16, lookup: guard.lookup };
    this.agents = {
      https: new https.Agent({ ...agentOptions, ...(settings.ca ? { ca: [...tls.rootCertificates, settings.ca] } : {}) }),
      http: new http.Agent(agentOptions),
    };
    const { subject, publicKey, privateKey } = settings.vapid;
    this.options = {
      vapidDetails: { subject, publicKey, privateKey },
      TTL: settings.ttlSeconds ?? 86_400,
      contentEncoding: 'aes128gcm',
      timeout: settings.timeoutMs ?? 10_000,
    };
  }

  async send(target: PushTarget, payload: PushPayload): Promise<void> {
    try {
      const url = new URL(target.endpoint);
      this.settings.guard.checkLiteral(url);
      const options = { ...this.options, topic: topicOf(payload.order_id) };
      const body = JSON.stringify(payload);
      if (url.protocol === 'http:') await this.sendPlain(target, body, options);
      else await webpush.sendNotification(target, body, { ...options, agent: this.agents.https });
    } catch (error) {
      throw classifyPushError(error);
    }
  }

  close(): void {
    this.agents.https.destroy();
    this.agents.http.destroy();
  }

  /** The request `web-push` would make, over plain HTTP; rejects with a WebPushError unless answered 2xx. */
  private sendPlain(target: PushTarget, body: string, options: RequestOptions & { timeout: number }): Promise<void> {
    const details = webpush.generateRequestDetails(target, body, options);
    return new Promise((resolve, reject) => {
      const request = http.request(details.endpoint, {
        method: details.method,
        headers: details.headers,
        agent: this.agents.http,
        timeout: options.timeout,
      });
      request.on('timeout', () => request.destroy(new Error('push service timeout')));
      request.on('error', reject);
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        // The answer's body says nothing the status does not; it is read only to free the connection.
        response.resume();
        response.on('end', () =>
          status >= 200 && status < 300
            ? resolve()
            : reject(new WebPushError('Received unexpected response code', status, {}, '', details.endpoint)),
        );
        response.on('error', reject);
      });
      request.end(details.body);
    });
  }
}

/** An order's Topic (RFC 8030: at most 32 base64url characters), from its id. */
function topicOf(orderId: string): string {
  return createHash('sha256').update(orderId).digest('base64url').slice(0, 32);
}

/**
 * A push service's answer as a DeliveryError: 404 and 410 mean the subscription is gone; 429 and 5xx, and no answer
 * at all, are transient; any other refusal (a payload too large, a VAPID signature it does not take) is permanent. The
 * error says the status only: a push service's URL names the device, and never goes into a log or the delivery log.
 */
export function classifyPushError(error: unknown): DeliveryError {
  if (error instanceof BlockedDestinationError) return new PermanentDeliveryError('push service refused: private address');
  if (error instanceof WebPushError) {
    const status = error.statusCode;
    if (status === 404 || status === 410) return new SubscriptionGoneError(`push ${status}`, status);
    if (status === 429 || status >= 500) return new TransientDeliveryError(`push ${status}`, status);
    return new PermanentDeliveryError(`push ${status}`, status);
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new TransientDeliveryError(`push ${typeof code === 'string' ? code : 'no answer'}`, typeof code === 'string' ? code : undefined);
}

/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every request (headers and the raw
 * body) and answers as the test says (a status, a redirect, or never), with helpers to verify what it got with the
 * `standardwebhooks` package (a verifier this project did not write) and to await what it has received.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { z } from 'zod';
import type { deliveryResponse } from '../../src/http/webhook-schemas';
import type { Client } from './http';
import { Recorded } from './recorded';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  /** The raw body, exactly as it arrived. */
  raw: string;
  body: { type: string; timestamp: string; data: { order?: any; event?: any; transaction?: any; webhook?: { id: string; url: string } } };
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Which request this is of the requests with the same webhook-id (1 for the first). */
  delivery: number;
}

/** How to answer one request: a status (and body), or `hang` to never answer. */
export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Resolves with the first `n` requests `match` accepts, once they have arrived. */
  waitFor(n: number, match?: (request: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  /** The most requests it has held open at once (answered or dropped ends one). */
  readonly maxOpen: number;
  /** How it answers from now on (by default 204). */
  answer(respond: (request: ReceivedWebhook) => Answer): void;
  close(): Promise<void>;
}

/** Starts a receiver on a free port of 127.0.0.1. */
export async function startReceiver(respond: (request: ReceivedWebhook) => Answer = () => ({ status: 204 })): Promise<Receiver> {
  const requests = new Recorded<ReceivedWebhook>((items) => items.map((request) => [request.body.type, request.id]));
  const received = requests.items;
  let answerWith = respond;
  let open = 0;
  let maxOpen = 0;
  const server = http.createServer((req, res) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    res.once('close', () => {
      open -= 1;
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      let body: ReceivedWebhook['body'];
      try {
        body = JSON.parse(raw) as ReceivedWebhook['body'];
      } catch {
        body = { type: 'unparsable', timestamp: '', data: {} };
      }
      const request: ReceivedWebhook = {
        id,
        timestamp: String(req.headers['webhook-timestamp'] ?? ''),
        signature: String(req.headers['webhook-signature'] ?? ''),
        raw,
        body,
        path: req.url ?? '',
        headers: req.headers,
        delivery: received.filter((earlier) => earlier.id === id).length + 1,
      };
      requests.push(request);
      const answer = answerWith(request);
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    get maxOpen() {
      return maxOpen;
    },
    answer: (next) => {
      answerWith = next;
    },
    waitFor: (n, match, timeoutMs) => requests.waitFor(n, 'webhook requests', match, timeoutMs),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Whether `standardwebhooks` accepts the request with `secret` (throws nothing; false on any failure). */
export function verifies(request: ReceivedWebhook, secret: string): boolean {
  try {
    new Webhook(secret).verify(request.raw, {
      'webhook-id': request.id,
      'webhook-timestamp': request.timestamp,
      'webhook-signature': request.signature,
    });
    return true;
  } catch {
    return false;
  }
}

/** Registers an endpoint; fails the test unless it is created. Returns its id and secret. */
export async function registerWebhook(api: Client, url: string, events: string[]): Promise<{ id: string; secret: string }> {
  const response = await api.post('/v1/webhooks', { url, events });
  if (response.status !== 201) throw new Error(`webhook registration: ${response.status} ${JSON.stringify(response.body)}`);
  return { id: response.body.id as string, secret: response.body.secret as string };
}

/** A line of an endpoint's delivery log as `GET /v1/webhooks/:id/deliveries` declares it. */
export type DeliveryLine = z.infer<typeof deliveryResponse>;

/** Every line of an endpoint's delivery log (all pages), newest first. */
export async function deliveries(api: Client, webhookId: string, query = ''): Promise<DeliveryLine[]> {
  const lines: DeliveryLine[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const path: string = `/v1/webhooks/${webhookId}/deliveries?limit=200${query ? `&${query}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await api.get(path);
    if (response.status !== 200) throw new Error(`GET deliveries: ${response.status} ${JSON.stringify(response.body)}`);
    lines.push(...(response.body.items as DeliveryLine[]));
    cursor = response.body.next_cursor;
    if (!cursor) return lines;
  }
  throw new Error('delivery log did not end');
}

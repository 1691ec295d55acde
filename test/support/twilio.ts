/** A local stand-in for Twilio's Messages API that records every request (and can answer with an error). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Recorded } from './recorded';

export interface SmsRequest {
  method: string;
  path: string;
  /** Basic auth user (account SID) and password (auth token). */
  user: string;
  password: string;
  to: string;
  from: string;
  body: string;
  /** HTTP status answered. */
  status: number;
}

export interface TwilioStandIn {
  url: string;
  accountSid: string;
  authToken: string;
  from: string;
  requests: SmsRequest[];
  waitForRequests(n: number, timeoutMs?: number): Promise<SmsRequest[]>;
  /** Resolves once `n` requests for `to` have been answered. */
  waitForRequestsTo(to: string, n?: number, timeoutMs?: number): Promise<SmsRequest[]>;
  /** Requests that were answered 201 (the message was taken). */
  accepted(): SmsRequest[];
  /** TWILIO_* settings pointing at this stand-in. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export const INVALID_NUMBER = {
  status: 400,
  body: {
    code: 21211,
    message: "The 'To' number is not a valid phone number.",
    more_info: 'https://www.twilio.com/docs/errors/21211',
    status: 400,
  },
};

export interface TwilioOptions {
  /** How a request to a number is answered (attempt: 1 for its first); null accepts the message with 201. */
  respond?: (to: string, attempt: number) => { status: number; body: unknown } | null;
}

/**
 * A local stand-in for Twilio's Messages API. `respond(to, attempt)` (attempt: 1 for the first request to
 * that number) may answer with an error; null (or no `respond`) accepts the message with 201.
 */
export async function startTwilioStandIn(options: TwilioOptions = {}): Promise<TwilioStandIn> {
  const accountSid = 'AC00000000000000000000000000000001';
  const authToken = 'stand-in-auth-token';
  const from = '+15005550006';
  const requests = new Recorded<SmsRequest>();
  let counter = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const [user = '', password = ''] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString('utf8')
        .split(':');
      const to = form.get('To') ?? '';
      const attempt = requests.items.filter((r) => r.to === to).length + 1;
      const expectedPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
      let answer: { status: number; body: unknown };
      if (req.method !== 'POST' || req.url !== expectedPath || user !== accountSid || password !== authToken) {
        answer = { status: 404, body: { code: 20404, message: 'not found', status: 404 } };
      } else {
        counter += 1;
        answer = options.respond?.(to, attempt) ?? {
          status: 201,
          body: { sid: `SM${String(counter).padStart(32, '0')}`, status: 'queued', to, from: form.get('From'), body: form.get('Body') },
        };
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        user,
        password,
        to,
        from: form.get('From') ?? '',
        body: form.get('Body') ?? '',
        status: answer.status,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    accountSid,
    authToken,
    from,
    requests: requests.items,
    waitForRequests: (n, timeoutMs) => requests.waitFor(n, 'SMS requests', undefined, timeoutMs),
    waitForRequestsTo: (to, n = 1, timeoutMs) => requests.waitFor(n, `SMS requests to ${to}`, (r) => r.to === to, timeoutMs),
    accepted: () => requests.items.filter((r) => r.status === 201),
    env: () => ({ TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from, TWILIO_API_BASE: url }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The email channel's second relay against real SMTP servers: a relay that is down (refuses connections, or
 * accepts them and never greets) hands the message to the second at once; one that refuses it transiently does
 * only on the channel's last attempt (earlier attempts are retried on the first); a permanent refusal never moves.
 */
import net from 'node:net';
import type { AlertMessage } from '../../../src/notifiers/channel';
import { PermanentDeliveryError, TransientDeliveryError } from '../../../src/notifiers/delivery-errors';
import { EmailChannel } from '../../../src/notifiers/email-channel';
import { unique } from '../../support/ids';
import { type SmtpServerHandle, startSmtp } from '../../support/smtp';

jest.setTimeout(20_000);

let fallback: SmtpServerHandle;
let refusing: SmtpServerHandle;
let silent: net.Server;
const sockets = new Set<net.Socket>();
const channels: EmailChannel[] = [];

beforeAll(async () => {
  fallback = await startSmtp();
  // 451 for addresses starting "busy", 550 for "gone": one relay's own answers.
  refusing = await startSmtp({
    failWith: (rcpt) =>
      rcpt.startsWith('busy') ? { code: 451, message: 'try later' } : rcpt.startsWith('gone') ? { code: 550, message: 'no such user' } : null,
  });
  // Takes connections and never says a word: a relay that hangs.
  silent = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const channel of channels) channel.close();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await refusing.close();
  await fallback.close();
});

function channel(smtpUrl: string): EmailChannel {
  const built = new EmailChannel({ smtpUrl, fallbackUrl: fallback.url, from: 'alerts@shop.example', timeoutMs: 300 });
  channels.push(built);
  return built;
}

function message(to: string): AlertMessage {
  return { id: unique('m'), to, subject: 'Your order', text: 'On its way', html: '<p>On its way</p>', sms: 'On its way', push: { title: 'Your order', body: 'On its way' } };
}

it('moves to the second relay when the first never greets', async () => {
  const to = `${unique('c')}@mail.example`;
  const { port } = silent.address() as net.AddressInfo;
  expect(await channel(`smtp://127.0.0.1:${port}`).send(message(to))).toEqual({ relay: 'fallback' });
  expect(await fallback.waitForMessagesTo(to, 1)).toHaveLength(1);
});

it('retries a transient refusal on the first relay, and moves to the second only on the last attempt', async () => {
  const to = `busy-${unique('c')}@mail.example`;
  const email = channel(refusing.url);
  await expect(email.send(message(to), { last: false })).rejects.toBeInstanceOf(TransientDeliveryError);
  expect(fallback.messagesTo(to)).toEqual([]);
  expect(await email.send(message(to), { last: true })).toEqual({ relay: 'fallback' });
  expect(await fallback.waitForMessagesTo(to, 1)).toHaveLength(1);
});

it('never moves a permanent refusal, and sends through the first relay while it takes messages', async () => {
  const email = channel(refusing.url);
  const gone = `gone-${unique('c')}@mail.example`;
  await expect(email.send(message(gone), { last: true })).rejects.toBeInstanceOf(PermanentDeliveryError);
  expect(fallback.messagesTo(gone)).toEqual([]);
  const fine = `${unique('c')}@mail.example`;
  expect(await email.send(message(fine))).toEqual({ relay: 'primary' });
  expect(await refusing.waitForMessagesTo(fine, 1)).toHaveLength(1);
  expect(fallback.messagesTo(fine)).toEqual([]);
});

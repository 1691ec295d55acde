/**
 * A node whose alert workers die (SIGKILL) right after the provider accepted a message on the channel
 * `CRASH_AFTER_SEND` names (`email`, `sms` or `push`: a push service took it for one device), before the delivery log
 * says it was sent: what an OOM kill in the middle of a job leaves behind. `CRASH_AFTER_SENDS` (default 1): the
 * message taken on that channel after which it dies (the ones before it went their way).
 */
import { runOrExit } from '../../../src/main';
import type { AlertMessage, Channel, PushPayload, PushSender, PushTarget, SendAttempt } from '../../../src/notifiers/channel';
import { die } from './faults';

const target = process.env.CRASH_AFTER_SEND;
if (target !== 'email' && target !== 'sms' && target !== 'push') throw new Error('CRASH_AFTER_SEND must be email, sms or push');
let sendsLeft = Number(process.env.CRASH_AFTER_SENDS ?? '1');
const dieOnLast = (): void => {
  sendsLeft -= 1;
  if (sendsLeft <= 0) die();
};

runOrExit({
  wrapChannel: (channel): Channel =>
    channel.name !== target
      ? channel
      : {
          name: channel.name,
          async send(message: AlertMessage, attempt?: SendAttempt) {
            const receipt = await channel.send(message, attempt);
            dieOnLast();
            return receipt;
          },
          close: () => channel.close?.(),
        },
  wrapPush: (push): PushSender =>
    target !== 'push'
      ? push
      : {
          name: push.name,
          async send(device: PushTarget, payload: PushPayload) {
            await push.send(device, payload);
            dieOnLast();
          },
          close: () => push.close?.(),
        },
});

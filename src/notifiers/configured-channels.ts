import type { Config } from '../config';
import type { Channel } from './channel';
import { EmailChannel } from './email-channel';
import { SmsChannel } from './sms-channel';

/** The settings the channels are built from. */
export type ChannelSettings = Pick<Config, 'smtpUrl' | 'smtpFallbackUrl' | 'mailFrom' | 'twilio'>;

/** The channels the settings configure: email with `SMTP_URL`, SMS with the `TWILIO_*` settings. */
export function configuredChannels(settings: ChannelSettings): Channel[] {
  const channels: Channel[] = [];
  if (settings.smtpUrl) {
    channels.push(new EmailChannel({ smtpUrl: settings.smtpUrl, fallbackUrl: settings.smtpFallbackUrl, from: settings.mailFrom }));
  }
  if (settings.twilio) {
    const { accountSid, authToken, from, apiBase } = settings.twilio;
    channels.push(new SmsChannel({ accountSid, authToken, from, apiBase }));
  }
  return channels;
}

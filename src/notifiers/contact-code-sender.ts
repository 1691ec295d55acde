import { randomUUID } from 'node:crypto';
import type { ContactKind } from '../domain/contact';
import type { AlertMessage, Channel } from './channel';

/** The texts of a confirmation code, by language (the customer's, else English). */
const TEXTS: Record<string, { subject: string; text: (code: string) => string }> = {
  en: {
    subject: 'Your confirmation code',
    text: (code) => `Your confirmation code is ${code}. It is valid for 10 minutes. If you did not ask for it, ignore this message.`,
  },
  'zh-hk': {
    subject: '你的確認碼',
    text: (code) => `你的確認碼是 ${code}，10 分鐘內有效。如你沒有要求此確認碼，請忽略此訊息。`,
  },
  ar: {
    subject: 'رمز التأكيد الخاص بك',
    text: (code) => `رمز التأكيد الخاص بك هو ${code}. وهو صالح لمدة 10 دقائق. إذا لم تطلبه، فتجاهل هذه الرسالة.`,
  },
};

/** A code's message, as its service wrote it. */
export type CodeMessage = Pick<AlertMessage, 'subject' | 'text' | 'html' | 'sms'>;

/**
 * Sends codes (confirming an address, signing in) through the alert channels: email for an email address, SMS for a
 * phone number.
 */
export class ContactCodeSender {
  private readonly channels: Map<string, Channel>;

  constructor(channels: Channel[]) {
    this.channels = new Map(channels.map((channel) => [channel.name, channel]));
  }

  /** Whether a code can go to an address of this kind (its channel is configured). */
  canSend(kind: ContactKind): boolean {
    return this.channels.has(channelOf(kind));
  }

  /** Sends the confirmation `code` to `to`. @throws DeliveryError as the channel does */
  async send(kind: ContactKind, to: string, code: string, locale: string | null): Promise<void> {
    const texts = TEXTS[(locale ?? 'en').toLowerCase()] ?? TEXTS[(locale ?? 'en').split('-')[0]!.toLowerCase()] ?? TEXTS.en!;
    const text = texts.text(code);
    await this.deliver(kind, to, { subject: texts.subject, text, html: `<p>${text}</p>`, sms: text }, 'contact-code');
  }

  /**
   * Sends a message to `to` on the channel of its kind, once (a code is asked for again rather than retried).
   * `purpose` names it in its id (the email's Message-ID).
   * @throws DeliveryError as the channel does
   */
  async deliver(kind: ContactKind, to: string, message: CodeMessage, purpose: string): Promise<void> {
    const channel = this.channels.get(channelOf(kind));
    if (!channel) throw new RangeError(`no ${channelOf(kind)} channel`);
    await channel.send({ id: `${purpose}.${randomUUID()}`, to, push: { title: message.subject, body: message.sms }, ...message }, { last: true });
  }

  close(): void {
    for (const channel of this.channels.values()) channel.close?.();
  }
}

function channelOf(kind: ContactKind): 'email' | 'sms' {
  return kind === 'email' ? 'email' : 'sms';
}

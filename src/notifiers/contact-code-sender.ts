import { randomUUID } from 'node:crypto';
import type { ContactKind } from '../domain/contact';
import type { Channel } from './channel';

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

/** Sends confirmation codes through the alert channels: email for an email address, SMS for a phone number. */
export class ContactCodeSender {
  private readonly channels: Map<string, Channel>;

  constructor(channels: Channel[]) {
    this.channels = new Map(channels.map((channel) => [channel.name, channel]));
  }

  /** Whether a code can go to an address of this kind (its channel is configured). */
  canSend(kind: ContactKind): boolean {
    return this.channels.has(channelOf(kind));
  }

  /** Sends `code` to `to`. @throws DeliveryError as the channel does */
  async send(kind: ContactKind, to: string, code: string, locale: string | null): Promise<void> {
    const channel = this.channels.get(channelOf(kind));
    if (!channel) throw new RangeError(`no ${channelOf(kind)} channel`);
    const texts = TEXTS[(locale ?? 'en').toLowerCase()] ?? TEXTS[(locale ?? 'en').split('-')[0]!.toLowerCase()] ?? TEXTS.en!;
    const text = texts.text(code);
    await channel.send(
      { id: `contact-code.${randomUUID()}`, to, subject: texts.subject, text, html: `<p>${text}</p>`, sms: text, push: { title: texts.subject, body: text } },
      { last: true },
    );
  }

  close(): void {
    for (const channel of this.channels.values()) channel.close?.();
  }
}

function channelOf(kind: ContactKind): 'email' | 'sms' {
  return kind === 'email' ? 'email' : 'sms';
}

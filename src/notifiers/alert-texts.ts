import type { Locale } from '../domain/locale';
import type { MessageSubject, PushText } from '../domain/message';

/** A message's values as its texts show them: formatted in the message's language (dates, money, the reason in words). */
export interface TextValues {
  /** The order's reference; empty for a sign-in code. */
  reference: string;
  customerName: string | null;
  courierName: string | null;
  trackingUrl: string | null;
  /** When the courier is expected, formatted in the tenant's time zone. */
  eta: string | null;
  /** Why a failed attempt failed, in words. */
  reason: string | null;
  /** The cash to have ready on delivery, formatted. */
  collect: string | null;
  code: string | null;
  /** The tenant's display name. */
  brand: string;
}

/** A built-in message before it is laid out: the plain-text and HTML parts are both made from its lines. */
export interface MessageTexts {
  subject: string;
  greeting: string;
  /** The body's paragraphs, without the link. */
  lines: string[];
  /** What the link to the order says (the HTML part's button); null: no link (a sign-in code). */
  action: string | null;
  sms: string;
  push: PushText;
}

/** One language's message for each subject. */
export type TextSet = Record<MessageSubject, (values: TextValues) => MessageTexts>;

/** The words of an HTML email's frame around a message, in one language. */
export interface LayoutWords {
  /** Above the link written out in full, under the button. */
  linkHint: string;
  /** Before the tenant's support address and phone (then `colon`). */
  contact: (brand: string) => string;
  /** Between a label and what it labels (the link's label and the link, the contact line and the addresses). */
  colon: string;
  /** Why the reader gets this email (an alert about an order, or a sign-in code). */
  why: (brand: string, subject: MessageSubject) => string;
  /** Above a sign-in code shown large. */
  codeLabel: string;
}

/** Lines that are there only when their value is. */
const present = (...lines: Array<string | false | null>): string[] => lines.filter((line): line is string => typeof line === 'string');

const english: TextSet = (() => {
  const hello = (v: TextValues) => (v.customerName ? `Hello ${v.customerName},` : 'Hello,');
  const track = 'Follow it live';
  const details = 'See the details';
  const collect = (v: TextValues) => v.collect !== null && `Please have ${v.collect} ready to pay the courier in cash.`;
  return {
    shipped: (v) => ({
      subject: `Your order ${v.reference} has shipped`,
      greeting: hello(v),
      lines: present(`Your order ${v.reference} is on its way.`, v.eta !== null && `Expected delivery: ${v.eta}.`),
      action: track,
      sms: `Order ${v.reference} has shipped. Track it: ${v.trackingUrl}`,
      push: { title: `Order ${v.reference} has shipped`, body: 'It is on its way. Tap to follow it live.' },
    }),
    out_for_delivery: (v) => ({
      subject: `Your order ${v.reference} is out for delivery`,
      greeting: hello(v),
      lines: present(
        `Your order ${v.reference} is out for delivery today.`,
        v.courierName !== null && `Your courier is ${v.courierName}.`,
        v.eta !== null && `Expected around ${v.eta}.`,
        collect(v),
      ),
      action: track,
      sms:
        `Order ${v.reference} is out for delivery${v.eta !== null ? `, expected around ${v.eta}` : ''}.` +
        `${v.collect !== null ? ` Please have ${v.collect} ready.` : ''} Track it: ${v.trackingUrl}`,
      push: {
        title: `Order ${v.reference} is out for delivery`,
        body: v.eta !== null ? `Expected around ${v.eta}. Tap to follow it live.` : 'It arrives today. Tap to follow it live.',
      },
    }),
    arriving: (v) => ({
      subject: `Your order ${v.reference} is almost there`,
      greeting: hello(v),
      lines: present(`The courier with your order ${v.reference} is nearly at your door.`, collect(v)),
      action: track,
      sms: `The courier with order ${v.reference} is nearly there. Track it: ${v.trackingUrl}`,
      push: { title: 'Your courier is almost there', body: `Order ${v.reference} is minutes away.` },
    }),
    delivered: (v) => ({
      subject: `Your order ${v.reference} was delivered`,
      greeting: hello(v),
      lines: [`Your order ${v.reference} was delivered.`, 'Thank you for your order.'],
      action: details,
      sms: `Order ${v.reference} was delivered. Details: ${v.trackingUrl}`,
      push: { title: `Order ${v.reference} was delivered`, body: 'Tap to see the details.' },
    }),
    failed_attempt: (v) => ({
      subject: `We missed you: delivery of ${v.reference} failed`,
      greeting: hello(v),
      lines: [`We could not deliver your order ${v.reference}${v.reason !== null ? `: ${v.reason}` : ''}. We will try again.`],
      action: details,
      sms: `Delivery of order ${v.reference} failed${v.reason !== null ? `: ${v.reason}` : ''}; we will try again. Details: ${v.trackingUrl}`,
      push: {
        title: `Delivery of ${v.reference} failed`,
        body: v.reason !== null ? `We could not deliver it: ${v.reason}. We will try again.` : 'We will try again.',
      },
    }),
    returned: (v) => ({
      subject: `Your order ${v.reference} is being returned`,
      greeting: hello(v),
      lines: [`Your order ${v.reference} is being returned to the sender.`],
      action: details,
      sms: `Order ${v.reference} is being returned. Details: ${v.trackingUrl}`,
      push: { title: `Order ${v.reference} is being returned`, body: 'It is on its way back to the sender.' },
    }),
    sign_in_code: (v) => ({
      subject: `Your sign-in code for ${v.brand}`,
      greeting: hello(v),
      lines: [`Your sign-in code is ${v.code}.`, "It expires in 10 minutes and works only once. If you didn't ask to sign in, you can ignore this message: no one can sign in without this code."],
      action: null,
      sms: `${v.code} is your ${v.brand} sign-in code. It expires in 10 minutes. Don't share it with anyone.`,
      push: { title: 'Your sign-in code', body: `${v.code} is your sign-in code.` },
    }),
  };
})();

const hongKong: TextSet = (() => {
  const hello = (v: TextValues) => (v.customerName ? `${v.customerName}，你好！` : '你好！');
  const track = '即時追蹤';
  const details = '查看詳情';
  const collect = (v: TextValues) => v.collect !== null && `請預備 ${v.collect} 現金，於收貨時交給送貨員。`;
  return {
    shipped: (v) => ({
      subject: `你的訂單 ${v.reference} 已寄出`,
      greeting: hello(v),
      lines: present(`你的訂單 ${v.reference} 已經寄出，正在運送途中。`, v.eta !== null && `預計送達時間：${v.eta}。`),
      action: track,
      sms: `你的訂單 ${v.reference} 已寄出。即時追蹤：${v.trackingUrl}`,
      push: { title: `訂單 ${v.reference} 已寄出`, body: '正在運送途中，按此即時追蹤。' },
    }),
    out_for_delivery: (v) => ({
      subject: `你的訂單 ${v.reference} 今日派送`,
      greeting: hello(v),
      lines: present(
        `你的訂單 ${v.reference} 今日正在派送。`,
        v.courierName !== null && `負責派送的送貨員是 ${v.courierName}。`,
        v.eta !== null && `預計約 ${v.eta} 送達。`,
        collect(v),
      ),
      action: track,
      sms:
        `你的訂單 ${v.reference} 今日派送${v.eta !== null ? `，預計約 ${v.eta} 送達` : ''}。` +
        `${v.collect !== null ? `請預備 ${v.collect} 現金。` : ''}即時追蹤：${v.trackingUrl}`,
      push: {
        title: `訂單 ${v.reference} 今日派送`,
        body: v.eta !== null ? `預計約 ${v.eta} 送達，按此即時追蹤。` : '今日送到，按此即時追蹤。',
      },
    }),
    arriving: (v) => ({
      subject: `你的訂單 ${v.reference} 即將送達`,
      greeting: hello(v),
      lines: present(`送貨員快將把你的訂單 ${v.reference} 送到你門前。`, collect(v)),
      action: track,
      sms: `送貨員快將送達你的訂單 ${v.reference}。即時追蹤：${v.trackingUrl}`,
      push: { title: '送貨員即將到達', body: `訂單 ${v.reference} 幾分鐘內送到。` },
    }),
    delivered: (v) => ({
      subject: `你的訂單 ${v.reference} 已送達`,
      greeting: hello(v),
      lines: [`你的訂單 ${v.reference} 已經送達。`, '多謝惠顧！'],
      action: details,
      sms: `你的訂單 ${v.reference} 已送達。查看詳情：${v.trackingUrl}`,
      push: { title: `訂單 ${v.reference} 已送達`, body: '按此查看詳情。' },
    }),
    failed_attempt: (v) => ({
      subject: `訂單 ${v.reference} 派送未成功`,
      greeting: hello(v),
      lines: present(`我們今次未能派送你的訂單 ${v.reference}。`, v.reason !== null && `原因：${v.reason}。`, '我們會再安排派送。'),
      action: details,
      sms: `訂單 ${v.reference} 派送未成功${v.reason !== null ? `（${v.reason}）` : ''}，我們會再安排派送。查看詳情：${v.trackingUrl}`,
      push: {
        title: `訂單 ${v.reference} 派送未成功`,
        body: v.reason !== null ? `原因：${v.reason}。我們會再安排派送。` : '我們會再安排派送。',
      },
    }),
    returned: (v) => ({
      subject: `你的訂單 ${v.reference} 正退回寄件人`,
      greeting: hello(v),
      lines: [`你的訂單 ${v.reference} 正在退回寄件人。`],
      action: details,
      sms: `訂單 ${v.reference} 正退回寄件人。查看詳情：${v.trackingUrl}`,
      push: { title: `訂單 ${v.reference} 正退回寄件人`, body: '包裹正在退回寄件人。' },
    }),
    sign_in_code: (v) => ({
      subject: `${v.brand} 登入驗證碼`,
      greeting: hello(v),
      lines: [`你的登入驗證碼是 ${v.code}。`, '驗證碼 10 分鐘內有效，只可使用一次。如你沒有要求登入，請忽略此訊息；沒有這個驗證碼，任何人都無法登入你的帳戶。'],
      action: null,
      sms: `${v.brand} 登入驗證碼：${v.code}，10 分鐘內有效。切勿向任何人透露此驗證碼。`,
      push: { title: '登入驗證碼', body: `你的驗證碼是 ${v.code}。` },
    }),
  };
})();

const arabic: TextSet = (() => {
  const hello = (v: TextValues) => (v.customerName ? `مرحبًا ${v.customerName}،` : 'مرحبًا،');
  const track = 'تتبّع طلبك مباشرةً';
  const details = 'عرض التفاصيل';
  const collect = (v: TextValues) => v.collect !== null && `يُرجى تجهيز مبلغ ${v.collect} نقدًا لدفعه لمندوب التوصيل عند الاستلام.`;
  return {
    shipped: (v) => ({
      subject: `تم شحن طلبك ${v.reference}`,
      greeting: hello(v),
      lines: present(`طلبك ${v.reference} في طريقه إليك.`, v.eta !== null && `موعد التسليم المتوقع: ${v.eta}.`),
      action: track,
      sms: `تم شحن الطلب ${v.reference}. تتبّعه من هنا: ${v.trackingUrl}`,
      push: { title: `تم شحن الطلب ${v.reference}`, body: 'طلبك في الطريق إليك. اضغط لتتبّعه مباشرةً.' },
    }),
    out_for_delivery: (v) => ({
      subject: `طلبك ${v.reference} خرج للتوصيل`,
      greeting: hello(v),
      lines: present(
        `خرج طلبك ${v.reference} للتوصيل اليوم.`,
        v.courierName !== null && `مندوب التوصيل: ${v.courierName}.`,
        v.eta !== null && `الموعد المتوقع للوصول: ${v.eta}.`,
        collect(v),
      ),
      action: track,
      sms:
        `خرج الطلب ${v.reference} للتوصيل${v.eta !== null ? `، والموعد المتوقع للوصول: ${v.eta}` : ''}.` +
        `${v.collect !== null ? ` يُرجى تجهيز ${v.collect} نقدًا.` : ''} تتبّعه من هنا: ${v.trackingUrl}`,
      push: {
        title: `الطلب ${v.reference} خرج للتوصيل`,
        body: v.eta !== null ? `الموعد المتوقع للوصول: ${v.eta}. اضغط لتتبّعه مباشرةً.` : 'يصلك اليوم. اضغط لتتبّعه مباشرةً.',
      },
    }),
    arriving: (v) => ({
      subject: `طلبك ${v.reference} على وشك الوصول`,
      greeting: hello(v),
      lines: present(`أصبح مندوب التوصيل الذي يحمل طلبك ${v.reference} قريبًا جدًا من عنوانك.`, collect(v)),
      action: track,
      sms: `مندوب التوصيل الذي يحمل الطلب ${v.reference} على وشك الوصول. تتبّعه من هنا: ${v.trackingUrl}`,
      push: { title: 'المندوب على وشك الوصول', body: `سيصلك الطلب ${v.reference} خلال دقائق.` },
    }),
    delivered: (v) => ({
      subject: `تم تسليم طلبك ${v.reference}`,
      greeting: hello(v),
      lines: [`تم تسليم طلبك ${v.reference}.`, 'شكرًا لتسوّقك معنا.'],
      action: details,
      sms: `تم تسليم الطلب ${v.reference}. التفاصيل: ${v.trackingUrl}`,
      push: { title: `تم تسليم الطلب ${v.reference}`, body: 'اضغط لعرض التفاصيل.' },
    }),
    failed_attempt: (v) => ({
      subject: `تعذّر تسليم طلبك ${v.reference}`,
      greeting: hello(v),
      lines: present(`لم نتمكن من تسليم طلبك ${v.reference} هذه المرة.`, v.reason !== null && `السبب: ${v.reason}.`, 'سنحاول التسليم مرة أخرى.'),
      action: details,
      sms: `تعذّر تسليم الطلب ${v.reference}${v.reason !== null ? ` (${v.reason})` : ''}، وسنحاول مرة أخرى. التفاصيل: ${v.trackingUrl}`,
      push: {
        title: `تعذّر تسليم الطلب ${v.reference}`,
        body: v.reason !== null ? `السبب: ${v.reason}. سنحاول مرة أخرى.` : 'سنحاول التسليم مرة أخرى.',
      },
    }),
    returned: (v) => ({
      subject: `طلبك ${v.reference} قيد الإرجاع إلى المرسل`,
      greeting: hello(v),
      lines: [`يجري إرجاع طلبك ${v.reference} إلى المرسل.`],
      action: details,
      sms: `يجري إرجاع الطلب ${v.reference} إلى المرسل. التفاصيل: ${v.trackingUrl}`,
      push: { title: `الطلب ${v.reference} قيد الإرجاع`, body: 'الشحنة في طريقها إلى المرسل.' },
    }),
    sign_in_code: (v) => ({
      subject: `رمز تسجيل الدخول إلى ${v.brand}`,
      greeting: hello(v),
      lines: [
        `رمز تسجيل الدخول الخاص بك هو ${v.code}.`,
        'الرمز صالح لمدة 10 دقائق ويُستخدم مرة واحدة فقط. إذا لم تطلب تسجيل الدخول، فتجاهل هذه الرسالة؛ فلا يمكن لأحد تسجيل الدخول إلى حسابك من دون هذا الرمز.',
      ],
      action: null,
      sms: `${v.code} هو رمز تسجيل الدخول إلى ${v.brand}. صالح لمدة 10 دقائق. لا تشاركه مع أي شخص.`,
      push: { title: 'رمز تسجيل الدخول', body: `رمزك هو ${v.code}.` },
    }),
  };
})();

/** The built-in messages (API.md "Languages"): every subject in English, Traditional Chinese (Hong Kong) and Arabic. */
export const BUILT_IN_TEXTS: Record<Locale, TextSet> = { en: english, 'zh-HK': hongKong, ar: arabic };

/** The words around a message in an HTML email, in each language. */
export const LAYOUT_WORDS: Record<Locale, LayoutWords> = {
  en: {
    linkHint: 'If the button does not work, copy this link into your browser:',
    contact: (brand) => `Questions? Contact ${brand}`,
    colon: ': ',
    why: (brand, subject) =>
      subject === 'sign_in_code'
        ? `You received this email because someone asked to sign in to ${brand} with this address.`
        : `You received this email about your order with ${brand}.`,
    codeLabel: 'Your code',
  },
  'zh-HK': {
    linkHint: '如按鈕未能開啟，請將以下連結複製到瀏覽器：',
    contact: (brand) => `如有查詢，請聯絡${brand}`,
    colon: '：',
    why: (brand, subject) =>
      subject === 'sign_in_code' ? `你收到此電郵，是因為有人以此電郵地址要求登入${brand}。` : `你收到此電郵，是因為你在${brand}有一張訂單。`,
    codeLabel: '你的驗證碼',
  },
  ar: {
    linkHint: 'إذا لم يعمل الزر، فانسخ هذا الرابط والصقه في المتصفح:',
    contact: (brand) => `لديك استفسار؟ تواصل مع ${brand}`,
    colon: ': ',
    why: (brand, subject) =>
      subject === 'sign_in_code'
        ? `تصلك هذه الرسالة لأن أحدهم طلب تسجيل الدخول إلى ${brand} بهذا العنوان.`
        : `تصلك هذه الرسالة بخصوص طلبك لدى ${brand}.`,
    codeLabel: 'رمزك',
  },
};

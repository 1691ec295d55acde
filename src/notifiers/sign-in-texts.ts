import type { Locale } from '../domain/tenant-settings';

/** What a sign-in code's message says on each channel. */
export interface SignInTexts {
  subject: string;
  /** The email's plain text. */
  text: string;
  /** The email's HTML (values escaped). */
  html: string;
  sms: string;
}

/** What a sign-in code's message is made of. */
export interface SignInTextData {
  /** The 6 digits. */
  code: string;
  /** The tenant's name, as its customers know it. */
  tenantName: string;
  /** How long the code is valid, in whole minutes. */
  minutes: number;
}

/** One language's sign-in code message. */
type SignInTemplate = (data: SignInTextData) => SignInTexts;

// Keeps a name in another script from reordering the sentence around it (first strong isolate … pop).
const isolate = (text: string): string => `\u2068${text}\u2069`;

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** An email's HTML: the lead-in, the code large and left to right, then the rest. */
function html(lang: Locale, dir: 'ltr' | 'rtl', lead: string, code: string, rest: string): string {
  return (
    `<div lang="${lang}" dir="${dir}" style="font-family:sans-serif;font-size:16px;line-height:1.5">` +
    `<p>${escapeHtml(lead)}</p>` +
    `<p dir="ltr" style="font-size:28px;font-weight:bold;letter-spacing:6px;margin:16px 0">${escapeHtml(code)}</p>` +
    `<p>${escapeHtml(rest)}</p>` +
    '</div>'
  );
}

const englishMinutes = (n: number): string => (n === 1 ? '1 minute' : `${n} minutes`);

// Arabic counts: 1 and 2 have forms of their own, 3 to 10 take the plural, 11 and up the singular.
const arabicMinutes = (n: number): string => {
  if (n === 1) return 'دقيقة واحدة';
  if (n === 2) return 'دقيقتين';
  return n <= 10 ? `${n} دقائق` : `${n} دقيقة`;
};

const english: SignInTemplate = ({ code, tenantName, minutes }) => {
  const lead = `Your code to sign in to ${tenantName} is:`;
  const rest =
    `It expires in ${englishMinutes(minutes)} and works only once. If you didn't ask to sign in, you can ignore this ` +
    'email: no one can sign in without this code.';
  return {
    subject: `Your sign-in code for ${tenantName}`,
    text: `${lead}\n\n${code}\n\n${rest}\n`,
    html: html('en', 'ltr', lead, code, rest),
    sms: `Your ${tenantName} sign-in code is ${code}. It expires in ${englishMinutes(minutes)}. Don't share it with anyone.`,
  };
};

const traditionalChineseHongKong: SignInTemplate = ({ code, tenantName, minutes }) => {
  const lead = `你登入 ${tenantName} 的驗證碼是：`;
  const rest = `驗證碼 ${minutes} 分鐘內有效，只可使用一次。如你沒有要求登入，請忽略此電郵；沒有這個驗證碼，任何人都無法登入你的帳戶。`;
  return {
    subject: `你的 ${tenantName} 登入驗證碼`,
    text: `${lead}\n\n${code}\n\n${rest}\n`,
    html: html('zh-HK', 'ltr', lead, code, rest),
    sms: `${tenantName} 登入驗證碼：${code}，${minutes} 分鐘內有效。切勿向任何人透露此驗證碼。`,
  };
};

const arabic: SignInTemplate = ({ code, tenantName, minutes }) => {
  const name = isolate(tenantName);
  const lead = `رمز تسجيل الدخول إلى ${name} هو:`;
  const rest =
    `الرمز صالح لمدة ${arabicMinutes(minutes)} ويُستخدم مرة واحدة فقط. إذا لم تطلب تسجيل الدخول، فتجاهل هذه الرسالة؛ ` +
    'فلا يمكن لأحد تسجيل الدخول إلى حسابك من دون هذا الرمز.';
  return {
    subject: `رمز تسجيل الدخول إلى ${name}`,
    text: `${lead}\n\n${code}\n\n${rest}\n`,
    html: html('ar', 'rtl', lead, code, rest),
    sms: `رمز تسجيل الدخول إلى ${name}: ${code}. صالح لمدة ${arabicMinutes(minutes)}. لا تشاركه مع أي شخص.`,
  };
};

/** The built-in sign-in code messages, by language (API.md "Languages"). */
export const SIGN_IN_TEXTS: Readonly<Record<Locale, SignInTemplate>> = {
  en: english,
  'zh-HK': traditionalChineseHongKong,
  ar: arabic,
};

/** The sign-in code's message in `locale`. */
export function signInTexts(locale: Locale, data: SignInTextData): SignInTexts {
  return SIGN_IN_TEXTS[locale](data);
}

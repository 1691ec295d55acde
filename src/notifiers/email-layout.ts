import { textColorOn } from '../domain/branding';
import { isRightToLeft, type Locale } from '../domain/locale';

/** What frames a message in an HTML email: the tenant's brand around it, and the words of the frame. */
export interface EmailFrame {
  locale: Locale;
  /** The email's subject, as the document's title. */
  title: string;
  /** The first words of the message, which mail clients show beside the subject in a list. */
  preview: string;
  brand: {
    name: string;
    /** An absolute link to the tenant's logo; null: the name alone. */
    logoUrl: string | null;
    /** `#rrggbb`. */
    color: string;
    supportEmail: string | null;
    supportPhone: string | null;
  };
  /** The message itself, HTML whose values are escaped already. */
  content: string;
  /** The button to the order (its link also written out under it); null: none. */
  button: { label: string; url: string } | null;
  /** `contact` ends with its colon: the addresses follow it. */
  words: { linkHint: string; contact: string; why: string };
}

const FONTS = "-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,'Noto Sans HK','PingFang HK','Microsoft JhengHei','Noto Sans Arabic',Tahoma,sans-serif";
const PAGE = '#f3f4f6';
const INK = '#1f2937';
const MUTED = '#6b7280';

/**
 * A whole HTML email in the tenant's brand, as mail clients render it: tables for layout and inline styles only (many
 * clients drop `<style>` and ignore flex or grid), at most 600 px wide, `lang` and `dir` on the document and on every
 * block (Arabic reads right to left, aligned right), the brand's colour as the header and the button, and text on it
 * in white or black, whichever reads.
 */
export function emailHtml(frame: EmailFrame): string {
  const { brand, words } = frame;
  const rtl = isRightToLeft(frame.locale);
  const dir = rtl ? 'rtl' : 'ltr';
  const start = rtl ? 'right' : 'left';
  const onBrand = textColorOn(brand.color);
  // The brand's colour for links on white when it is dark enough to read there.
  const link = onBrand === '#ffffff' ? brand.color : INK;
  const block = `dir="${dir}" align="${start}"`;
  const text = (size: number, color: string) => `font-family:${FONTS};font-size:${size}px;line-height:1.6;color:${color};text-align:${start};`;

  const logo = brand.logoUrl
    ? `<td style="padding-${rtl ? 'left' : 'right'}:12px;" valign="middle"><img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brand.name)}" height="40" style="display:block;height:40px;max-width:160px;border:0;outline:none;"></td>`
    : '';
  const header =
    `<tr><td ${block} style="background-color:${brand.color};padding:20px 24px;">` +
    `<table role="presentation" cellpadding="0" cellspacing="0" border="0" dir="${dir}"><tr>${logo}` +
    `<td valign="middle" style="font-family:${FONTS};font-size:20px;line-height:1.3;font-weight:bold;color:${onBrand};">${escapeHtml(brand.name)}</td>` +
    '</tr></table></td></tr>';
  const content = `<tr><td ${block} style="padding:28px 24px 8px;${text(16, INK)}">${frame.content}</td></tr>`;
  const button = frame.button
    ? `<tr><td ${block} style="padding:8px 24px 24px;">` +
      `<table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td style="border-radius:6px;background-color:${brand.color};">` +
      `<a href="${escapeHtml(frame.button.url)}" style="display:inline-block;padding:12px 28px;font-family:${FONTS};font-size:16px;font-weight:bold;line-height:1.4;color:${onBrand};text-decoration:none;border-radius:6px;">${escapeHtml(frame.button.label)}</a>` +
      '</td></tr></table>' +
      `<p style="margin:16px 0 0;${text(13, MUTED)}">${escapeHtml(words.linkHint)}<br>` +
      `<a href="${escapeHtml(frame.button.url)}" style="color:${link};word-break:break-all;">${escapeHtml(frame.button.url)}</a></p>` +
      '</td></tr>'
    : '';
  const contacts = [
    brand.supportEmail ? `<a href="mailto:${escapeHtml(brand.supportEmail)}" style="color:${link};">${escapeHtml(brand.supportEmail)}</a>` : null,
    // Numbers read left to right inside Arabic text too.
    brand.supportPhone ? `<a href="tel:${escapeHtml(brand.supportPhone)}" dir="ltr" style="color:${link};">${escapeHtml(brand.supportPhone)}</a>` : null,
  ].filter((contact): contact is string => contact !== null);
  const footer =
    `<tr><td ${block} style="padding:16px 24px 24px;border-top:1px solid #e5e7eb;">` +
    (contacts.length > 0 ? `<p style="margin:0 0 8px;${text(13, MUTED)}">${escapeHtml(words.contact)}<br>${contacts.join(' · ')}</p>` : '') +
    `<p style="margin:0;${text(13, MUTED)}">${escapeHtml(words.why)}</p>` +
    '</td></tr>';

  return (
    '<!DOCTYPE html>' +
    `<html lang="${frame.locale}" dir="${dir}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="x-apple-disable-message-reformatting">' +
    `<meta name="color-scheme" content="light"><title>${escapeHtml(frame.title)}</title></head>` +
    `<body dir="${dir}" style="margin:0;padding:0;background-color:${PAGE};">` +
    `<div style="display:none;max-height:0;overflow:hidden;opacity:0;">${escapeHtml(frame.preview)}</div>` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:${PAGE};"><tr><td align="center" style="padding:24px 12px;">` +
    `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" dir="${dir}" style="max-width:600px;background-color:#ffffff;border-radius:8px;">` +
    header +
    content +
    button +
    footer +
    '</table></td></tr></table></body></html>'
  );
}

/**
 * A built-in message's content: its greeting and paragraphs; with a code, the code shown large in place of the first
 * paragraph (the one that says it).
 */
export function paragraphsHtml(greeting: string, lines: readonly string[], code: { label: string; value: string } | null = null): string {
  const paragraph = (line: string) => `<p style="margin:0 0 16px;">${escapeHtml(line)}</p>`;
  const shown = code
    ? `<p style="margin:0 0 4px;font-size:13px;color:${MUTED};">${escapeHtml(code.label)}</p>` +
      `<p dir="ltr" style="margin:0 0 16px;font-size:32px;font-weight:bold;letter-spacing:6px;font-family:Menlo,Consolas,monospace;">${escapeHtml(code.value)}</p>`
    : '';
  return paragraph(greeting) + shown + (code ? lines.slice(1) : lines).map(paragraph).join('');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

import { useEffect, useRef, useState } from 'preact/hooks';
import { LANGUAGE_NAMES, LANGUAGES } from '../shared/i18n';
import type { DashboardApi } from './dashboard-api';
import { errorWords } from './format';
import { Options, Section, useAction } from './parts';
import type { MessageTemplate, TemplateList, TemplatePreview, TenantSettings } from './wire';

/** The languages of pages and alerts, each named in itself (the settings view offers the same). */
export const LOCALES: Array<{ value: TenantSettings['default_locale']; label: string }> = LANGUAGES.map((value) => ({ value, label: LANGUAGE_NAMES[value] }));

const SUBJECTS: Array<{ value: string; label: string }> = [
  { value: 'shipped', label: 'Shipped' },
  { value: 'out_for_delivery', label: 'Out for delivery' },
  { value: 'arriving', label: 'Courier arriving' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'failed_attempt', label: 'Failed attempt' },
  { value: 'returned', label: 'Returned' },
  { value: 'sign_in_code', label: 'Portal sign-in code' },
];

type Part = 'subject' | 'text' | 'html' | 'sms' | 'pushTitle' | 'pushBody';

const PARTS: Array<{ part: Part; label: string; rows: number }> = [
  { part: 'subject', label: 'Email subject', rows: 1 },
  { part: 'text', label: 'Email text', rows: 4 },
  { part: 'html', label: 'Email HTML (the message inside your branded layout)', rows: 5 },
  { part: 'sms', label: 'SMS', rows: 3 },
  { part: 'pushTitle', label: 'Push notification: title', rows: 1 },
  { part: 'pushBody', label: 'Push notification: text', rows: 2 },
];

const VARIABLES = ['order.reference', 'order.status', 'order.eta', 'customer.name', 'courier.name', 'tracking_url', 'tenant.display_name', 'code'];

type Parts = Record<Part, string>;
const BLANK: Parts = { subject: '', text: '', html: '', sms: '', pushTitle: '', pushBody: '' };

function partsOf(template: MessageTemplate | undefined): Parts {
  const parts = template?.parts ?? {};
  return {
    subject: parts.subject ?? '',
    text: parts.text ?? '',
    html: parts.html ?? '',
    sms: parts.sms ?? '',
    pushTitle: parts.push?.title ?? '',
    pushBody: parts.push?.body ?? '',
  };
}

/** The parts given, as the API takes them (an empty part is left out: the built-in text stays). */
function bodyOf(parts: Parts): MessageTemplate['parts'] {
  const given: MessageTemplate['parts'] = {};
  for (const part of ['subject', 'text', 'html', 'sms'] as const) if (parts[part].trim()) given[part] = parts[part];
  const push = { ...(parts.pushTitle.trim() ? { title: parts.pushTitle } : {}), ...(parts.pushBody.trim() ? { body: parts.pushBody } : {}) };
  if (Object.keys(push).length > 0) given.push = push;
  return given;
}

/**
 * The tenant's message templates (API.md "Branding and message templates"): one per language and subject, in Liquid,
 * each part optional (an empty part is the built-in text of that language). Saving checks them (an error names the
 * line); the preview renders them with an order of the tenant's or sample data.
 */
export function Templates({ api, defaultLocale }: { api: DashboardApi; defaultLocale: TenantSettings['default_locale'] }) {
  const [locale, setLocale] = useState(defaultLocale);
  const [subject, setSubject] = useState('shipped');
  const [parts, setParts] = useState<Parts>(BLANK);
  const [stored, setStored] = useState(false);
  const [orderId, setOrderId] = useState('');
  const [preview, setPreview] = useState<TemplatePreview | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [list, setList] = useState<MessageTemplate[] | null>(null);
  const { busy, outcome, run } = useAction(errorWords);

  // The tenant's templates, read once: a pick of language and message shows its own from this list.
  useEffect(() => {
    let current = true;
    api.get<TemplateList>('/v1/tenants/me/templates').then(
      (loaded) => current && setList(loaded.items),
      (failure: unknown) => current && setLoadError(errorWords(failure)),
    );
    return () => {
      current = false;
    };
  }, [api]);

  // A new pick of language or message shows its template; the list changing under the same pick (a save) keeps what
  // is being edited and its preview.
  const shown = useRef<string | null>(null);
  useEffect(() => {
    if (!list) return;
    const template = list.find((item) => item.locale === locale && item.subject === subject);
    setStored(template !== undefined);
    if (shown.current === `${locale}/${subject}`) return;
    shown.current = `${locale}/${subject}`;
    setParts(partsOf(template));
    setPreview(null);
  }, [list, locale, subject]);

  const keep = (template: MessageTemplate | null): void =>
    setList((items) => [...(items ?? []).filter((item) => item.locale !== locale || item.subject !== subject), ...(template ? [template] : [])]);

  const save = (event: Event): void => {
    event.preventDefault();
    void run(async () => {
      const given = bodyOf(parts);
      if (Object.keys(given).length === 0) {
        if (stored) await api.delete(`/v1/tenants/me/templates/${locale}/${subject}`);
        keep(null);
        return 'No template: the built-in texts are used.';
      }
      keep(await api.put<MessageTemplate>(`/v1/tenants/me/templates/${locale}/${subject}`, given));
      setPreview(await api.post<TemplatePreview>('/v1/tenants/me/templates/preview', previewBody()));
      return 'Saved.';
    });
  };

  const previewBody = () => ({ locale, subject, ...(orderId.trim() ? { order_id: orderId.trim() } : {}) });

  const showPreview = (): void => {
    void run(async () => {
      setPreview(await api.post<TemplatePreview>('/v1/tenants/me/templates/preview', previewBody()));
      return stored ? 'Preview of the saved template.' : 'Preview of the built-in texts.';
    });
  };

  const revert = (): void => {
    void run(async () => {
      await api.delete(`/v1/tenants/me/templates/${locale}/${subject}`);
      keep(null);
      setParts(BLANK);
      setPreview(null);
      return 'Removed: the built-in texts are used.';
    });
  };

  return (
    <Section title="Message templates" class="templates">
      <div class="templates-body">
        <form class="stack" onSubmit={save} data-testid="templates-form">
          <div class="field-pair">
            <label class="field">
              <span>Language</span>
              <select value={locale} onChange={(event) => setLocale((event.currentTarget as HTMLSelectElement).value as TenantSettings['default_locale'])} data-testid="template-locale">
                <Options choices={LOCALES} />
              </select>
            </label>
            <label class="field">
              <span>Message</span>
              <select value={subject} onChange={(event) => setSubject((event.currentTarget as HTMLSelectElement).value)} data-testid="template-subject">
                <Options choices={SUBJECTS} />
              </select>
            </label>
          </div>
          <p class="field-hint">
            {stored ? 'This message has a template of yours.' : 'This message uses the built-in texts.'} Liquid, with{' '}
            {VARIABLES.map((name, index) => (
              <span key={name}>
                {index > 0 && ', '}
                <code>{`{{ ${name} }}`}</code>
              </span>
            ))}
            . An empty part keeps the built-in text.
          </p>
          {loadError && (
            <p class="form-error" role="alert">
              {loadError}
            </p>
          )}
          {PARTS.map(({ part, label, rows }) => (
            <label class="field" key={part}>
              <span>{label}</span>
              <textarea
                rows={rows}
                dir="auto"
                spellcheck={false}
                value={parts[part]}
                onInput={(event) => setParts({ ...parts, [part]: (event.currentTarget as HTMLTextAreaElement).value })}
                data-testid={`template-part-${part}`}
              />
            </label>
          ))}
          <label class="field">
            <span>Preview with order (optional id)</span>
            <input type="text" maxLength={200} autocomplete="off" value={orderId} onInput={(event) => setOrderId((event.currentTarget as HTMLInputElement).value)} data-testid="template-order" />
          </label>
          <div class="form-actions">
            <button type="submit" class="button primary" disabled={busy} data-testid="template-save">
              Save template
            </button>
            <button type="button" class="button" disabled={busy} onClick={showPreview} data-testid="template-preview">
              Preview
            </button>
            {stored && (
              <button type="button" class="button" disabled={busy} onClick={revert} data-testid="template-delete">
                Use built-in texts
              </button>
            )}
            {outcome && (
              <p class={outcome.ok ? 'form-ok' : 'form-error'} role={outcome.ok ? 'status' : 'alert'} data-testid="template-result">
                {outcome.text}
              </p>
            )}
          </div>
        </form>
        <div class="templates-preview">
          {preview ? <Preview preview={preview} rtl={locale === 'ar'} /> : <p class="field-hint">Preview shows the message as the customer gets it.</p>}
        </div>
      </div>
    </Section>
  );
}

function pushText(push: TemplatePreview['push']): string {
  return push ? [push.title, push.body].filter(Boolean).join(' — ') : '';
}

/** The rendered message: the email as it will look (its HTML in a sandbox that runs nothing), the SMS and the push. */
function Preview({ preview, rtl }: { preview: TemplatePreview; rtl: boolean }) {
  return (
    <div class="template-preview" data-testid="template-preview-result" dir={rtl ? 'rtl' : undefined}>
      <p>
        <strong>Subject:</strong> <span data-testid="preview-subject">{preview.subject}</span>
      </p>
      {preview.html && <EmailFrame html={preview.html} />}
      <details>
        <summary>Email text</summary>
        <pre data-testid="preview-text">{preview.text}</pre>
      </details>
      <p>
        <strong>SMS:</strong> <span data-testid="preview-sms">{preview.sms}</span>
      </p>
      {preview.push && (
        <p>
          <strong>Push:</strong> <span data-testid="preview-push">{pushText(preview.push)}</span>
        </p>
      )}
    </div>
  );
}

/**
 * An HTML email shown as a mail client would, in a frame that runs nothing (sandboxed, no scripts). The dashboard's
 * Content-Security-Policy allows no inline style, and the frame's document inherits it, as a parsed document does;
 * an email is all inline style. So the style attributes are renamed in the markup before it is parsed, and set again
 * through the CSSOM once the elements are in the frame, which the policy does not govern.
 */
function EmailFrame({ html }: { html: string }) {
  const frame = useRef<HTMLIFrameElement>(null);
  useEffect(() => {
    const document = frame.current?.contentDocument;
    if (!document) return;
    const renamed = html.replace(/(<[a-z][^>]*?\s)style\s*=/gi, '$1data-email-style=');
    const parsed = new DOMParser().parseFromString(renamed, 'text/html');
    for (const element of Array.from(parsed.querySelectorAll('script, style, link, meta[http-equiv], base'))) element.remove();
    document.replaceChild(document.importNode(parsed.documentElement, true), document.documentElement);
    for (const element of Array.from(document.querySelectorAll<HTMLElement>('[data-email-style]'))) {
      element.style.cssText = element.dataset.emailStyle ?? '';
      element.removeAttribute('data-email-style');
    }
  }, [html]);
  return <iframe ref={frame} class="email-frame" sandbox="allow-same-origin" title="Email preview" data-testid="preview-html" />;
}

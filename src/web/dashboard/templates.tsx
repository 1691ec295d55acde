import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../shared/api';
import type { DashboardApi } from './dashboard-api';
import { errorWords } from './format';
import { Section, useAction } from './parts';
import type { MessageTemplate, TemplatePreview, TenantSettings } from './wire';

const LOCALES: Array<{ value: TenantSettings['default_locale']; label: string }> = [
  { value: 'en', label: 'English' },
  { value: 'zh-HK', label: '繁體中文（香港）' },
  { value: 'ar', label: 'العربية' },
];

const SUBJECTS: Array<{ value: string; label: string }> = [
  { value: 'shipped', label: 'Shipped' },
  { value: 'out_for_delivery', label: 'Out for delivery' },
  { value: 'arriving', label: 'Courier arriving' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'failed_attempt', label: 'Failed attempt' },
  { value: 'returned', label: 'Returned' },
  { value: 'sign_in_code', label: 'Portal sign-in code' },
];

type Part = 'subject' | 'text' | 'html' | 'sms' | 'push';

const PARTS: Array<{ part: Part; label: string; rows: number }> = [
  { part: 'subject', label: 'Email subject', rows: 1 },
  { part: 'text', label: 'Email text', rows: 6 },
  { part: 'html', label: 'Email HTML', rows: 8 },
  { part: 'sms', label: 'SMS', rows: 3 },
  { part: 'push', label: 'Push notification', rows: 2 },
];

const VARIABLES = ['order.reference', 'order.status', 'order.eta', 'customer.name', 'courier.name', 'tracking_url', 'tenant.display_name', 'code'];

type Parts = Record<Part, string>;
const BLANK: Parts = { subject: '', text: '', html: '', sms: '', push: '' };

function partsOf(template: MessageTemplate | null): Parts {
  return { subject: template?.subject ?? '', text: template?.text ?? '', html: template?.html ?? '', sms: template?.sms ?? '', push: template?.push ?? '' };
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
  const { busy, outcome, run } = useAction(errorWords);

  useEffect(() => {
    let current = true;
    setPreview(null);
    setLoadError(null);
    api.get<MessageTemplate>(`/v1/tenants/me/templates/${locale}/${subject}`).then(
      (template) => {
        if (!current) return;
        setParts(partsOf(template));
        setStored(true);
      },
      (failure: unknown) => {
        if (!current) return;
        setParts(BLANK);
        setStored(false);
        if (!(failure instanceof ApiError && failure.status === 404)) setLoadError(errorWords(failure));
      },
    );
    return () => {
      current = false;
    };
  }, [api, locale, subject]);

  const body = (): Partial<Parts> => {
    const given: Partial<Parts> = {};
    for (const { part } of PARTS) if (parts[part].trim()) given[part] = parts[part];
    return given;
  };

  const save = (event: Event): void => {
    event.preventDefault();
    void run(async () => {
      const given = body();
      if (Object.keys(given).length === 0) {
        if (stored) await api.delete(`/v1/tenants/me/templates/${locale}/${subject}`);
        setStored(false);
        return 'No template: the built-in texts are used.';
      }
      await api.put(`/v1/tenants/me/templates/${locale}/${subject}`, given);
      setStored(true);
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
      setParts(BLANK);
      setStored(false);
      setPreview(null);
      return 'Removed: the built-in texts are used.';
    });
  };

  return (
    <Section title="Message templates" class="templates">
      <form class="stack" onSubmit={save} data-testid="templates-form">
        <div class="field-pair">
          <label class="field">
            <span>Language</span>
            <select value={locale} onChange={(event) => setLocale((event.currentTarget as HTMLSelectElement).value as TenantSettings['default_locale'])} data-testid="template-locale">
              {LOCALES.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>Message</span>
            <select value={subject} onChange={(event) => setSubject((event.currentTarget as HTMLSelectElement).value)} data-testid="template-subject">
              {SUBJECTS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
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
        {loadError && <p class="form-error" role="alert">{loadError}</p>}
        {PARTS.map(({ part, label, rows }) => (
          <label class="field" key={part}>
            <span>{label}</span>
            <textarea
              rows={rows}
              dir="auto"
              spellcheck={false}
              value={parts[part]}
              onInput={(event) => setParts({ ...parts, [part]: (event.currentTarget as HTMLTextAreaElement).value })}
              data-testid={`template-${part}`}
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
        {preview && <Preview preview={preview} rtl={locale === 'ar'} />}
      </form>
    </Section>
  );
}

function pushText(push: TemplatePreview['push']): string {
  if (!push) return '';
  return typeof push === 'string' ? push : [push.title, push.body].filter(Boolean).join(' — ');
}

/** The rendered message: the email as it will look (its HTML in a sandbox that runs nothing), the SMS and the push. */
function Preview({ preview, rtl }: { preview: TemplatePreview; rtl: boolean }) {
  return (
    <div class="template-preview" data-testid="template-preview-result" dir={rtl ? 'rtl' : undefined}>
      <p>
        <strong>Subject:</strong> <span data-testid="preview-subject">{preview.subject}</span>
      </p>
      {preview.html && <iframe class="email-frame" sandbox="" title="Email preview" srcdoc={preview.html} data-testid="preview-html" />}
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

import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../shared/api';
import type { DashboardApi } from './dashboard-api';
import { errorWords } from './format';
import { Banner, Loading, Options, Section, useAction } from './parts';
import type { DashboardRole } from './session';
import { LOCALES, Templates } from './templates';
import type { Branding, TenantSettings } from './wire';


const SLUG = /^[a-z0-9-]{3,40}$/;
const COLOUR = /^#[0-9a-f]{6}$/i;

/** What a settings change came to, in words: a portal address another tenant has is said plainly. */
function settingsErrorWords(failure: unknown): string {
  if (failure instanceof ApiError && (failure.code === 'already_exists' || failure.code === 'conflict' || failure.status === 409)) {
    return 'Another company uses that portal address already. Choose another one.';
  }
  return errorWords(failure);
}

/**
 * The tenant's settings (API.md "Customer portal", "Languages", "Branding and message templates"): the portal's
 * address and the default language, the branding customers see on the tracking page, the portal, emails and labels,
 * and the message templates with their preview. Only the business's API key may change them; staff see why not.
 */
export function Settings({ api, role }: { api: DashboardApi; role: DashboardRole }) {
  const [settings, setSettings] = useState<TenantSettings | null>(null);
  const [branding, setBranding] = useState<Branding | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (role !== 'business') return;
    let current = true;
    Promise.all([api.get<TenantSettings>('/v1/tenants/me/settings'), api.get<Branding>('/v1/tenants/me/branding')]).then(
      ([loaded, brand]) => {
        if (!current) return;
        setSettings(loaded);
        setBranding(brand);
      },
      (failure: unknown) => current && setError(errorWords(failure)),
    );
    return () => {
      current = false;
    };
  }, [api, role]);

  if (role !== 'business') {
    return (
      <div class="view" data-testid="settings-view">
        <div class="view-head">
          <h1>Settings</h1>
        </div>
        <Banner kind="info">Settings are changed by the business: sign in with the company's API key to change them.</Banner>
      </div>
    );
  }
  return (
    <div class="view" data-testid="settings-view">
      <div class="view-head">
        <h1>Settings</h1>
      </div>
      {error && <Banner>{error}</Banner>}
      {!settings || !branding ? (
        !error && <Loading what="settings" />
      ) : (
        <div class="settings-grid">
          <PortalSettings api={api} settings={settings} onSaved={setSettings} />
          <BrandingSettings api={api} branding={branding} onSaved={setBranding} />
          <Templates api={api} defaultLocale={settings.default_locale} />
        </div>
      )}
    </div>
  );
}

function PortalSettings({ api, settings, onSaved }: { api: DashboardApi; settings: TenantSettings; onSaved: (settings: TenantSettings) => void }) {
  const [slug, setSlug] = useState(settings.slug);
  const [locale, setLocale] = useState(settings.default_locale);
  const { busy, outcome, run } = useAction(settingsErrorWords);
  const slugOk = SLUG.test(slug);
  const portal = `${location.origin}/portal/${slug}/`;

  const submit = (event: Event): void => {
    event.preventDefault();
    if (!slugOk) return;
    void run(async () => {
      const saved = await api.put<TenantSettings>('/v1/tenants/me/settings', { slug, default_locale: locale });
      onSaved(saved);
      return 'Saved.';
    });
  };

  return (
    <Section title="Portal and language">
      <form class="stack" onSubmit={submit} data-testid="settings-form">
        <label class="field">
          <span>Portal address</span>
          <input
            type="text"
            required
            maxLength={40}
            autocomplete="off"
            spellcheck={false}
            value={slug}
            onInput={(event) => setSlug((event.currentTarget as HTMLInputElement).value.trim().toLowerCase())}
            aria-invalid={!slugOk}
            data-testid="settings-slug"
          />
        </label>
        <p class={slugOk ? 'field-hint' : 'form-error'}>
          {slugOk ? (
            <>
              Customers sign in at{' '}
              <a href={portal} target="_blank" rel="noopener" data-testid="settings-portal-link">
                {portal}
              </a>
            </>
          ) : (
            '3 to 40 characters: lower-case letters, digits and hyphens.'
          )}
        </p>
        <label class="field">
          <span>Default language (alerts and pages, when the customer's own is not known)</span>
          <select value={locale} onChange={(event) => setLocale((event.currentTarget as HTMLSelectElement).value as TenantSettings['default_locale'])} data-testid="settings-locale">
            <Options choices={LOCALES} />
          </select>
        </label>
        <div class="form-actions">
          <button type="submit" class="button primary" disabled={busy || !slugOk} data-testid="settings-save">
            {busy ? 'Saving…' : 'Save'}
          </button>
          {outcome && (
            <p class={outcome.ok ? 'form-ok' : 'form-error'} role={outcome.ok ? 'status' : 'alert'} data-testid="settings-result">
              {outcome.text}
            </p>
          )}
        </div>
      </form>
    </Section>
  );
}

const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

function BrandingSettings({ api, branding, onSaved }: { api: DashboardApi; branding: Branding; onSaved: (branding: Branding) => void }) {
  const [fields, setFields] = useState({
    display_name: branding.display_name ?? '',
    primary_color: branding.primary_color ?? '#0f766e',
    support_email: branding.support_email ?? '',
    support_phone: branding.support_phone ?? '',
  });
  const [logo, setLogo] = useState<{ id: string | null; url: string | null }>({ id: branding.logo ?? null, url: branding.logo_url ?? null });
  const { busy, outcome, run } = useAction(errorWords);
  const set = (name: keyof typeof fields) => (event: Event) => setFields({ ...fields, [name]: (event.currentTarget as HTMLInputElement).value });
  const colourOk = COLOUR.test(fields.primary_color);

  const pickLogo = (event: Event): void => {
    const file = (event.currentTarget as HTMLInputElement).files?.[0];
    if (!file) return;
    void run(async () => {
      if (!LOGO_TYPES.includes(file.type)) throw new Error('The logo must be a PNG, JPEG or WebP picture');
      const uploaded = await api.upload<{ id: string }>('/v1/attachments', file, file.type);
      setLogo({ id: uploaded.id, url: URL.createObjectURL(file) });
      return 'Logo uploaded: save to use it.';
    });
  };

  const submit = (event: Event): void => {
    event.preventDefault();
    if (!fields.display_name.trim() || !colourOk) return;
    void run(async () => {
      const saved = await api.put<Branding>('/v1/tenants/me/branding', {
        display_name: fields.display_name.trim(),
        logo: logo.id,
        primary_color: fields.primary_color.toLowerCase(),
        ...(fields.support_email.trim() ? { support_email: fields.support_email.trim() } : {}),
        ...(fields.support_phone.trim() ? { support_phone: fields.support_phone.trim() } : {}),
      });
      onSaved(saved);
      return 'Saved. Pages, emails and labels use it from now on.';
    });
  };

  return (
    <Section title="Branding">
      <form class="stack" onSubmit={submit} data-testid="branding-form">
        <label class="field">
          <span>Name shown to customers</span>
          <input type="text" required maxLength={100} value={fields.display_name} onInput={set('display_name')} data-testid="branding-name" />
        </label>
        <div class="field-pair">
          <label class="field">
            <span>Colour</span>
            <input type="color" value={colourOk ? fields.primary_color : '#0f766e'} onInput={set('primary_color')} data-testid="branding-color" />
          </label>
          <div class="field">
            <span>Logo</span>
            <div class="inline logo-pick">
              {logo.url && <img class="logo-preview" src={logo.url} alt="" data-testid="branding-logo-preview" />}
              <input type="file" accept={LOGO_TYPES.join(',')} onChange={pickLogo} data-testid="branding-logo" />
              {logo.id && (
                <button type="button" class="button" onClick={() => setLogo({ id: null, url: null })}>
                  Remove
                </button>
              )}
            </div>
          </div>
        </div>
        <div class="field-pair">
          <label class="field">
            <span>Support email (optional)</span>
            <input type="email" maxLength={254} value={fields.support_email} onInput={set('support_email')} data-testid="branding-email" />
          </label>
          <label class="field">
            <span>Support phone (optional)</span>
            <input type="tel" maxLength={16} value={fields.support_phone} onInput={set('support_phone')} placeholder="+85221234567" data-testid="branding-phone" />
          </label>
        </div>
        <div class="form-actions">
          <button type="submit" class="button primary" disabled={busy || !fields.display_name.trim() || !colourOk} data-testid="branding-save">
            {busy ? 'Saving…' : 'Save branding'}
          </button>
          {outcome && (
            <p class={outcome.ok ? 'form-ok' : 'form-error'} role={outcome.ok ? 'status' : 'alert'} data-testid="branding-result">
              {outcome.text}
            </p>
          )}
        </div>
      </form>
    </Section>
  );
}

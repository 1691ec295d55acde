import { defaultBranding, type Branding } from '../domain/branding';
import { NotFoundError, ValidationError } from '../domain/errors';
import { principalScope, type TenantPrincipal } from '../domain/principal';
import type { Attachment, AttachmentStore } from '../store/attachments/port';
import type { BrandingBook } from '../store/branding/port';
import { tenantTextsChanged } from '../notifiers/tenant-texts';
import type { TenantDirectory } from '../store/tenants/port';

export interface BrandingServiceOptions {
  store: {
    branding: BrandingBook;
    attachments: Pick<AttachmentStore, 'getAttachment' | 'readAttachment'>;
    tenants: Pick<TenantDirectory, 'getTenant'>;
  };
  /** The tenant a public address names (`TenantService.tenantIdBySlug`); null when none. */
  tenantIdBySlug: (slug: string) => Promise<string | null>;
  /** Base of the logo links handed out (`PUBLIC_URL`); empty: links relative to the server. @default '' */
  linkBase?: string;
  /** @default the system clock */
  now?: () => Date;
}

/** A branding as the API shows it: with a link to its logo that works in an `<img>` without a token. */
export interface BrandingView extends Branding {
  logo_url: string | null;
}

/** A logo's bytes as they are served. */
export interface LogoContent {
  attachment: Attachment;
  data: Buffer;
}

const UNUSABLE_LOGO = 'must be an image this business uploaded (POST /v1/attachments) that no delivery uses';

/**
 * Tenants' branding (API.md "Branding and message templates"): set by the business, read by it, and read by anyone
 * through the tenant's public address (the tracking page, the portal's sign-in). The logo is an upload of the
 * business's own, served publicly while it is a logo (`GET /v1/logos/:id`): it is the business's mark, not personal
 * data, and its link never expires, so emails show it however late they are read.
 */
export class BrandingService {
  private readonly linkBase: string;
  private readonly now: () => Date;

  constructor(private readonly options: BrandingServiceOptions) {
    this.linkBase = (options.linkBase ?? '').replace(/\/+$/, '');
    this.now = options.now ?? (() => new Date());
  }

  /** The tenant's branding; its name, no logo and the default colour until it sets one. @throws NotFoundError for an unknown tenant */
  async get(tenantId: string): Promise<BrandingView> {
    const [stored, tenant] = await Promise.all([this.options.store.branding.getBranding(tenantId), this.options.store.tenants.getTenant(tenantId)]);
    if (!tenant) throw new NotFoundError('tenant');
    return this.view(stored ?? defaultBranding(tenant.name));
  }

  /** The branding of the tenant a public address names. @throws NotFoundError when it names none */
  async bySlug(slug: string): Promise<BrandingView> {
    const tenantId = await this.options.tenantIdBySlug(slug);
    if (!tenantId) throw new NotFoundError('tenant');
    return this.get(tenantId);
  }

  /**
   * Replaces the business's branding.
   * @throws ValidationError naming `logo` when it is not an image the business uploaded, unused by any delivery
   */
  async put(principal: TenantPrincipal, branding: Branding): Promise<BrandingView> {
    const { store } = this.options;
    if (branding.logo !== null) {
      const attachment = await store.attachments.getAttachment(branding.logo);
      const usable =
        attachment !== null && attachment.tenant_id === principal.tenantId && attachment.uploader === principalScope(principal) && attachment.order_id === null;
      if (!usable) throw unusableLogo();
    }
    const stored = { ...branding, tenant_id: principal.tenantId, updated_at: this.now().toISOString() };
    // The store checks the logo again as it writes: one swept or taken by a delivery meanwhile is refused there.
    if (!(await store.branding.putBranding(stored))) throw unusableLogo();
    await tenantTextsChanged(principal.tenantId);
    return this.view(branding);
  }

  /** A tenant's logo, while it is one. @throws NotFoundError for any other attachment */
  async logo(attachmentId: string): Promise<LogoContent> {
    const { store } = this.options;
    const attachment = await store.attachments.getAttachment(attachmentId);
    const branding = attachment ? await store.branding.getBranding(attachment.tenant_id) : null;
    const data = branding?.logo === attachmentId ? await store.attachments.readAttachment(attachmentId) : null;
    if (!attachment || !data) throw new NotFoundError('logo');
    return { attachment, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
  }

  private view(branding: Branding): BrandingView {
    const { display_name, logo, primary_color, support_email, support_phone } = branding;
    return {
      display_name,
      logo,
      logo_url: logo ? `${this.linkBase}/v1/logos/${encodeURIComponent(logo)}` : null,
      primary_color,
      support_email,
      support_phone,
    };
  }
}

function unusableLogo(): ValidationError {
  return new ValidationError('the logo may not be used', [{ path: 'logo', message: UNUSABLE_LOGO }]);
}

import type { Branding } from '../../domain/branding';

/** A tenant's branding as the store keeps it. */
export interface StoredBranding extends Branding {
  tenant_id: string;
  updated_at: string;
}

/** Tenants' branding (API.md "Branding and message templates"), one each. */
export interface BrandingBook {
  /** The tenant's branding; null when it never set one. */
  getBranding(tenantId: string): Promise<StoredBranding | null>;
  /**
   * Replaces the tenant's branding. Its logo, when it names one, must still be an upload of the tenant that no order
   * uses: checked in the same write as the branding's, so the sweep of unused uploads never takes a logo (an upload a
   * branding names is in use). False when it is not (nothing changed).
   */
  putBranding(branding: StoredBranding): Promise<boolean>;
}

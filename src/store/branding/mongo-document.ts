import type { StoredBranding } from './port';

/** A tenant's branding; `_id` is the tenant's id. */
export type BrandingDocument = Omit<StoredBranding, 'tenant_id'> & { _id: string };

/**
 * Per tenant, how often what its messages and its points are made of (settings, branding, templates, points rate)
 * changed through this process: the services that write them say so, and every {@link TemplateCatalog} and
 * {@link TenantCache} of the process reads them afresh from then on. Other processes see a change once their cached
 * copy is older than its time to live.
 */
const changes = new Map<string, number>();

/** Says that the tenant's settings, branding, templates or points rate were just written. */
export function tenantTextsChanged(tenantId: string): void {
  changes.set(tenantId, (changes.get(tenantId) ?? 0) + 1);
}

/** How many times the tenant's texts changed through this process (a cached copy of an older count is stale). */
export function tenantTextsVersion(tenantId: string): number {
  return changes.get(tenantId) ?? 0;
}

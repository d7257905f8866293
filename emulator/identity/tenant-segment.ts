import { type Directory, findTenant } from '../state/directory.ts';
import type { Tenant } from '../state/model.ts';

/**
 * What the `{tenant}` path segment names (ms-identity-spec.md §1): the multi-tenant aliases, or one tenant by
 * GUID or verified domain. `consumers` (Microsoft accounts) is not emulated, so it is an unknown tenant.
 */
export type TenantPath =
  | { readonly kind: 'common' | 'organizations'; readonly segment: string }
  | { readonly kind: 'tenant'; readonly segment: string; readonly tenant: Tenant };

export const resolveTenantPath = (dir: Directory, segment: string): TenantPath | null => {
  const lower = segment.toLowerCase();
  if (lower === 'common' || lower === 'organizations') return { kind: lower, segment: lower };
  const tenant = findTenant(dir, segment);
  return tenant ? { kind: 'tenant', segment, tenant } : null;
};

/** The segment written into endpoint URLs: the alias for common/organizations, the GUID for a tenant (§2.1, §2.2). */
export const canonicalSegment = (path: TenantPath): string =>
  path.kind === 'tenant' ? path.tenant.id : path.kind;

/** National clouds and their authority hosts (ms-identity-spec.md §1, §13.1), or any URL (how the emulator is reached). */
export type Cloud = 'global' | 'usgov' | 'china' | 'custom';

export const CLOUDS: Record<Exclude<Cloud, 'custom'>, { label: string; authority: string }> = {
  global: { label: 'Global (login.microsoftonline.com)', authority: 'https://login.microsoftonline.com' },
  usgov: { label: 'US Government (login.microsoftonline.us)', authority: 'https://login.microsoftonline.us' },
  china: {
    label: 'China, operated by 21Vianet (login.chinacloudapi.cn)',
    authority: 'https://login.chinacloudapi.cn',
  },
};

export const authorityBase = (cloud: Cloud, customAuthorityUrl: string | null): string | null =>
  cloud === 'custom' ? (customAuthorityUrl?.replace(/\/+$/, '') ?? null) : CLOUDS[cloud].authority;

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export type TenantKind = 'guid' | 'domain' | 'organizations' | 'common';

export const tenantKind = (tenant: string): TenantKind | null => {
  const t = tenant.trim().toLowerCase();
  if (t === 'organizations' || t === 'common') return t;
  if (GUID.test(t)) return 'guid';
  if (DOMAIN.test(t)) return 'domain';
  return null;
};

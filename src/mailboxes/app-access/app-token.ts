import { decodeJwt, errors } from 'jose';
import type { AppDeps } from '../../http/context.ts';
import { claimLease } from '../../jobs/lease.ts';
import { clientCredentialsToken } from '../../microsoft/client-credentials.ts';
import { tenantKind } from '../../microsoft/cloud.ts';
import { authorityOf, loadMicrosoftSettings } from '../../microsoft/settings.ts';
import { tokenOriginOf } from '../../microsoft/token-origin.ts';
import type { MailResource } from '../token-store.ts';
import { appTokenPurpose } from './app-access.table.ts';

/** What client credentials ask for, per resource (app-only-spec.md §1; only `/.default` is accepted, 1002012). */
export const APP_SCOPES: Record<MailResource, string> = {
  outlook: 'https://outlook.office365.com/.default',
  graph: 'https://graph.microsoft.com/.default',
};

const REFRESH_MARGIN_MS = 5 * 60_000;
/** A forced renewal (after an authentication failure) reuses a token this young: another mailbox just got it. */
const FORCE_REUSE_MS = 30_000;
const LEASE_MS = 30_000;
const POLL_MS = 50;

export class AppTokenError extends Error {
  constructor(
    readonly code: 'app_access.tenant_required' | 'app_access.not_configured' | 'app_access.busy',
    message: string,
  ) {
    super(message);
    this.name = 'AppTokenError';
  }
}

export interface AppToken {
  readonly accessToken: string;
  /**
   * The token's `roles` claim, decoded without verification (diagnostics only: the token is Microsoft's);
   * `null` when the token is not a readable JWT, and the mail server alone decides.
   */
  readonly roles: readonly string[] | null;
  readonly expiresAt: string;
}

type Deps = Pick<AppDeps, 'db' | 'secrets' | 'fetch' | 'microsoft' | 'log'>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `roles` of an app-only token (absent when no application permission was consented, §6.4), or null. */
export const rolesOf = (accessToken: string): string[] | null => {
  let roles: unknown;
  try {
    roles = decodeJwt(accessToken).roles;
  } catch (error) {
    // Microsoft may make its resource tokens opaque (ms-identity-spec.md §0): not knowing is said as such.
    if (error instanceof errors.JWTInvalid) return null;
    throw error;
  }
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
};

/** The installation's own directory: client credentials refuse `/common` and `/organizations` (9001023). */
export const appTenantOf = (tenant: string | null): string => {
  const kind = tenantKind(tenant ?? '');
  if (!tenant || kind === 'common' || kind === 'organizations')
    throw new AppTokenError(
      'app_access.tenant_required',
      'Application access needs the directory (tenant) ID of your organisation on the Microsoft 365 settings page, not “common” or “organizations”: client credentials are issued by one directory only.',
    );
  return tenant;
};

const readCached = async (deps: Deps, id: string, origin: string) => {
  const row = await deps.db
    .selectFrom('app_access_tokens')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row || row.token_origin !== origin) return null;
  return {
    accessToken: deps.secrets.open(row.access_token_encrypted, appTokenPurpose(id)),
    roles: JSON.parse(row.roles) as string[] | null,
    expiresAt: row.access_token_expires_at,
    updatedAt: row.updated_at,
  };
};

/**
 * A cached token without `roles` is never reused: it was issued before admin consent, and the next request
 * after consent carries them (the token is kept anyway, so the page can show what Microsoft issued).
 */
const usable = (
  t: { expiresAt: string; updatedAt: string; roles: readonly string[] | null } | null,
  force: boolean,
) =>
  t !== null &&
  (t.roles === null || t.roles.length > 0) &&
  Date.parse(t.expiresAt) - Date.now() > REFRESH_MARGIN_MS &&
  (!force || Date.now() - Date.parse(t.updatedAt) < FORCE_REUSE_MS);

/**
 * The application's token for the installation's tenant and `resource`: one per tenant and resource,
 * sealed in `app_access_tokens` and shared by every mailbox with application access and every process.
 * A new one is asked for shortly before it ends, or when `force` (after an authentication failure) unless
 * another mailbox has just renewed it; one request at a time under the lease `app-token:<tenant>/<resource>`.
 * Token endpoint failures are thrown as the identity client's typed errors.
 */
export const getAppToken = async (
  deps: Deps,
  resource: MailResource,
  options: { force?: boolean } = {},
): Promise<AppToken> => {
  const settings = await loadMicrosoftSettings(deps.db);
  const tenant = appTenantOf(settings.tenant);
  const authority = authorityOf(settings);
  const origin = tokenOriginOf(settings);
  if (!authority || !origin)
    throw new AppTokenError('app_access.not_configured', 'the Microsoft 365 settings are incomplete');
  const id = `${tenant.toLowerCase()}/${resource}`;
  const force = options.force ?? false;
  const cached = await readCached(deps, id, origin);
  if (usable(cached, force)) return cached!;
  const deadline = Date.now() + LEASE_MS + 5_000;
  while (Date.now() < deadline) {
    const lease = await claimLease(deps, `app-token:${id}`, { ttlMs: LEASE_MS });
    if (lease) {
      try {
        const current = await readCached(deps, id, origin);
        if (current && current.accessToken !== cached?.accessToken && usable(current, false)) return current;
        const metadata = await deps.microsoft.metadata(authority, tenant);
        const answer = await clientCredentialsToken(
          deps,
          settings,
          metadata.token_endpoint,
          APP_SCOPES[resource],
        );
        const token: AppToken = {
          accessToken: answer.access_token,
          roles: rolesOf(answer.access_token),
          expiresAt: new Date(Date.now() + answer.expires_in * 1000).toISOString(),
        };
        const row = {
          token_origin: origin,
          access_token_encrypted: deps.secrets.seal(token.accessToken, appTokenPurpose(id)),
          access_token_expires_at: token.expiresAt,
          roles: JSON.stringify(token.roles),
          updated_at: new Date().toISOString(),
        };
        await deps.db
          .insertInto('app_access_tokens')
          .values({ id, ...row })
          .onConflict((oc) => oc.column('id').doUpdateSet(row))
          .execute();
        return token;
      } finally {
        await lease.release();
      }
    }
    await sleep(POLL_MS);
    const now = await readCached(deps, id, origin);
    if (now && now.accessToken !== cached?.accessToken && usable(now, false)) return now;
  }
  throw new AppTokenError('app_access.busy', 'another process held the application token lease for too long');
};

/**
 * The application tokens issued by another authority or for other mail hosts than `origin` go when the
 * settings move (with the mailboxes' tokens, save-settings.ts); they would never be used anyway (readCached).
 */
export const dropAppTokensOfOtherOrigins = async (
  db: AppDeps['db'],
  origin: string | null,
): Promise<void> => {
  let query = db.deleteFrom('app_access_tokens');
  if (origin !== null) query = query.where('token_origin', '!=', origin);
  await query.execute();
};

import { getAccessToken } from '../../mailboxes/access-token.ts';
import type { MailResource } from '../../mailboxes/token-store.ts';
import { applicationToken, neededRoles, rolesFix, rolesMessage, usesApplication } from '../app-access.ts';
import { docsLink } from '../docs-link.ts';
import { audienceFits, decodeTokenClaims, missingPermissions } from '../token-claims.ts';
import { tokenFailure } from '../token-failure-advice.ts';
import type { DiagnoseContext, DiagnoseStep, StepOutcome, TokenReport } from '../types.ts';

const TITLES: Record<MailResource, string> = {
  outlook: 'Token for Outlook (IMAP and SMTP)',
  graph: 'Token for Microsoft Graph',
};

/**
 * The permissions the mailbox's use needs: application roles for a mailbox with application access
 * (app-access.ts); otherwise the delegated ones of each resource's token: IMAP always, SMTP.Send when
 * it sends over SMTP (ms-identity-spec.md §12.1); Graph mail for reading the sent copy and sending, the
 * `.Shared` forms for another person's mailbox (graph-mail-spec.md §1).
 */
export const neededPermissions = (
  ctx: Pick<DiagnoseContext, 'mailbox' | 'plan'>,
  resource: MailResource,
): { scopes: string[]; roles: string[] } => {
  if (usesApplication(ctx)) return { scopes: [], roles: neededRoles(ctx, resource) };
  if (resource === 'outlook')
    return { scopes: ['IMAP.AccessAsUser.All', ...(ctx.plan.smtp ? ['SMTP.Send'] : [])], roles: [] };
  const shared = ctx.mailbox.kind === 'system' ? '.Shared' : '';
  return { scopes: [`Mail.ReadWrite${shared}`, `Mail.Send${shared}`], roles: [] };
};

const FIX_SCOPES: Record<MailResource, string> = {
  outlook:
    'Microsoft Entra admin center › App registrations › the app › API permissions › Add a permission › APIs my organization uses › Office 365 Exchange Online › Delegated permissions: IMAP.AccessAsUser.All, SMTP.Send › Grant admin consent; then Mailboxes › the mailbox › Reconnect.',
  graph:
    'Microsoft Entra admin center › App registrations › the app › API permissions › Add a permission › Microsoft Graph › Delegated permissions: the missing Mail.* permissions › Grant admin consent; then Mailboxes › the mailbox › Reconnect.',
};

/** The mailbox's own token for `resource`, refreshed now, or the failed step saying why there is none. */
const delegated = async (
  ctx: DiagnoseContext,
  resource: MailResource,
): Promise<{ token: string } | { outcome: StepOutcome }> => {
  try {
    return {
      token: await getAccessToken(ctx.deps, ctx.mailbox.id, {
        resource,
        force: true,
        recordFailure: false,
        ...(ctx.servers ? { servers: ctx.servers } : {}),
      }),
    };
  } catch (error) {
    return { outcome: tokenFailure(error, resource, ctx.mailbox.address) };
  }
};

/**
 * A fresh token for `resource` (a forced refresh, stored as any refresh is; a refused one leaves the
 * mailbox's state alone; with application access, the tenant's client-credentials token), then what it
 * carries — `aud`, `scp`, `roles`, decoded — against what is needed.
 */
export const tokenStep = (resource: MailResource): DiagnoseStep => ({
  id: `token_${resource}`,
  title: TITLES[resource],
  docs: docsLink('token-scopes'),
  applies: (ctx) =>
    resource === 'outlook' || ctx.plan.graph ? true : 'The mailbox does not use Microsoft Graph.',
  run: async (ctx): Promise<StepOutcome> => {
    const got = usesApplication(ctx) ? await applicationToken(ctx, resource) : await delegated(ctx, resource);
    if ('outcome' in got) return got.outcome;
    const token = got.token;
    const claims = decodeTokenClaims(token);
    ctx.tokens.set(resource, { token, claims });
    const needed = neededPermissions(ctx, resource);
    if (!claims)
      return {
        status: 'ok',
        code: null,
        whoMustAct: null,
        message: 'Microsoft issued a token; it is not a JWT, so its permissions cannot be shown.',
        fix: null,
      };
    const missing = missingPermissions(claims, needed);
    const report: TokenReport = {
      resource,
      audience: claims.aud,
      scopes: claims.scp,
      roles: claims.roles,
      expiresAt: claims.expiresAt,
      needed,
      missing,
    };
    if (!audienceFits(claims.aud, resource))
      return {
        status: 'failed',
        code: 'token.wrong_audience',
        whoMustAct: 'administrator',
        message: `The token is for ${claims.aud ?? 'no audience'}, not for ${resource === 'outlook' ? 'Exchange Online (https://outlook.office.com)' : 'Microsoft Graph'}.`,
        fix: FIX_SCOPES[resource],
        docs: docsLink('token-audience'),
        token: report,
      };
    if (missing.length > 0 && usesApplication(ctx))
      return {
        status: 'failed',
        code: claims.roles.length === 0 ? 'app_access.consent_missing' : 'token.missing_permissions',
        whoMustAct: 'administrator',
        message: rolesMessage(resource, claims.roles, missing),
        fix: rolesFix(resource, missing),
        token: report,
      };
    if (missing.length > 0)
      return {
        status: 'failed',
        code: 'token.missing_permissions',
        whoMustAct: 'administrator',
        message: `The token lacks ${missing.join(', ')}: Microsoft issued it without ${missing.length > 1 ? 'these permissions' : 'this permission'} (not added to the app, or not consented).`,
        fix: FIX_SCOPES[resource],
        token: report,
      };
    return {
      status: 'ok',
      code: null,
      whoMustAct: null,
      message: `Microsoft issued a token for ${claims.aud} with ${[...claims.scp, ...claims.roles].join(', ') || 'no permissions listed'}.`,
      fix: null,
      token: report,
    };
  },
});

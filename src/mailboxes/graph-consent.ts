import { recordAudit } from '../audit/record.ts';
import type { Db } from '../db/database.ts';
import type { AppContext, AppDeps } from '../http/context.ts';
import { flash } from '../http/render.tsx';
import { readClientCredential } from '../microsoft/credentials/credential-store.ts';
import { IdentityError } from '../microsoft/identity-error.ts';
import { redeemAuthorizationCode } from '../microsoft/redeem-code.ts';
import { graphMailScopesFor, redirectUris } from '../microsoft/redirect-uris.ts';
import { authorityOf, loadMicrosoftSettings } from '../microsoft/settings.ts';
import { tokenOriginOf } from '../microsoft/token-origin.ts';
import type { User } from '../users/users.table.ts';
import { mayManage } from './access.ts';
import type { ConnectFlow } from './connect-start.ts';
import { mailboxSyncApp, redirectToAuthorize } from './connect-start.ts';
import { ALLOW_GRAPH_LABEL } from './graph-consent-advice.ts';
import type { Mailbox } from './mailbox.ts';
import { findMailbox, setSendProblem } from './repository.ts';
import { writeTokens } from './token-store.ts';

/** Where an administrator grants the Graph permissions for the whole directory (admin-consent.ts). */
export const GRAPH_ADMIN_CONSENT_PATH = '/settings/microsoft/admin-consent?for=graph';

/** Whether Mailroom holds a Graph token for the mailbox: Microsoft gave it one since it was last connected. */
export const hasGraphToken = async (db: Db, mailboxId: string): Promise<boolean> =>
  (await db
    .selectFrom('mailbox_access_tokens')
    .select('id')
    .where('mailbox_id', '=', mailboxId)
    .where('resource', '=', 'graph')
    .executeTakeFirst()) !== undefined;

/**
 * `POST /mailboxes/{id}/graph-consent` (the caller checked the person may manage the mailbox): an
 * authorization request for the Graph mail scopes of this mailbox only (incremental consent), signed in as
 * the mailbox's Microsoft account, returning to the mailbox-connection Redirect URI.
 */
export const startGraphConsent = async (deps: AppDeps, c: AppContext, user: User, mailbox: Mailbox) => {
  const app = await mailboxSyncApp(deps, c);
  if (!app) return c.redirect(`/mailboxes/${mailbox.id}`);
  if (!mailbox.connected || !mailbox.account) {
    await flash(deps, c, 'error', `Connect ${mailbox.address} first; then allow Microsoft Graph.`);
    return c.redirect(`/mailboxes/${mailbox.id}`);
  }
  return redirectToAuthorize(deps, c, {
    ...app,
    flow: { userId: user.id, mailboxId: mailbox.id, resource: 'graph' },
    scopes: graphMailScopesFor(mailbox.kind),
    loginHint: mailbox.account.upn ?? user.email,
    prompt: null,
  });
};

const REFUSED: Record<string, string> = {
  access_denied: 'The permissions were declined at Microsoft, so nothing changed.',
  consent_required: `Your organisation lets only an administrator grant these permissions: an administrator must grant admin consent for Microsoft Graph on Mailroom’s Microsoft 365 settings page, then press “${ALLOW_GRAPH_LABEL}” again.`,
  interaction_required:
    'Microsoft asked for an extra step that was not completed. Try again and complete every step.',
};

/** The scopes of a token answer without their resource prefix: `Mail.Send`, `Mail.ReadWrite`. */
const grantedNames = (scope: string | undefined): Set<string> =>
  new Set((scope ?? '').split(' ').map((s) => s.replace(/^https:\/\/[^/]+\//, '')));

/**
 * Microsoft's answer to the Graph consent (the connection callback hands it over): the code is redeemed
 * for a Graph token of the mailbox's own Microsoft account (another account is refused), whose refresh
 * token replaces the mailbox's and whose access token is stored as its Graph token.
 */
export const finishGraphConsent = async (
  deps: AppDeps,
  c: AppContext,
  user: User,
  flow: ConnectFlow,
  q: Record<string, string>,
) => {
  const mailbox = flow.mailboxId ? await findMailbox(deps.db, flow.mailboxId) : undefined;
  // Checked again at the return: the person may have lost the right to manage it meanwhile.
  if (!mailbox || !mayManage(user, mailbox)) {
    await flash(deps, c, 'error', 'That mailbox no longer exists.');
    return c.redirect('/mailboxes');
  }
  const back = `/mailboxes/${mailbox.id}`;
  const fail = async (message: string) => {
    await flash(
      deps,
      c,
      'error',
      `Mailroom may not use Microsoft Graph for ${mailbox.address} yet. ${message}`,
    );
    return c.redirect(back);
  };
  if (q.error || !q.code) {
    const code = /AADSTS(\d+)/.exec(q.error_description ?? '')?.[1];
    const reason = REFUSED[q.error ?? ''] ?? `Microsoft answered ${q.error ?? 'without a code'}.`;
    return fail(`${reason}${code ? ` (AADSTS${code})` : ''}`);
  }
  const settings = await loadMicrosoftSettings(deps.db);
  const authority = authorityOf(settings);
  const credential = authority ? await readClientCredential(deps.db, deps.secrets, authority) : null;
  const origin = tokenOriginOf(settings);
  if (!authority || !origin || !settings.clientId || !settings.tenant || !credential)
    return fail('Mailbox sync is not configured.');
  const scopes = graphMailScopesFor(mailbox.kind);
  try {
    const { tokens, claims } = await redeemAuthorizationCode(
      deps,
      { authority, tenant: settings.tenant, clientId: settings.clientId, credential },
      {
        code: q.code,
        redirectUri: redirectUris(deps.config).mailboxConnection,
        verifier: flow.verifier,
        nonce: flow.nonce,
        scopes: ['openid', 'profile', 'email', ...scopes],
      },
    );
    const account = mailbox.account;
    if (!claims || !account || claims.tid !== account.tid || claims.oid !== account.oid) {
      return fail(
        `${mailbox.address} is connected with the Microsoft account ${account?.upn ?? '(none)'}; sign in with that account when Microsoft asks.`,
      );
    }
    if (!tokens.refresh_token)
      return fail('Microsoft did not grant offline access. Try again and accept every permission.');
    const granted = grantedNames(tokens.scope);
    const missing = scopes
      .map((s) => s.replace(/^https:\/\/[^/]+\//, ''))
      .filter((s) => s !== 'offline_access' && !granted.has(s));
    if (missing.length > 0)
      return fail(
        `Microsoft did not grant ${missing.join(', ')}: an administrator must add them to Mailroom’s app registration (API permissions) and grant consent.`,
      );
    await writeTokens(
      deps.db,
      deps.secrets,
      mailbox.id,
      {
        accessToken: tokens.access_token,
        expiresInSeconds: tokens.expires_in,
        refreshToken: tokens.refresh_token,
        origin,
      },
      undefined,
      'graph',
    );
    if (mailbox.sendProblem?.code === 'graph.consent_missing')
      await setSendProblem(deps.db, mailbox.id, null);
    await recordAudit(deps.db, user, 'mailbox.graph_allowed', {
      mailbox: mailbox.address,
      account: claims.preferredUsername,
    });
    await flash(deps, c, 'success', `Mailroom may now use Microsoft Graph for ${mailbox.address}.`);
    return c.redirect(back);
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    const m = error.microsoft;
    deps.log.warn(
      {
        event: 'mailbox.graph_consent_failed',
        mailboxId: mailbox.id,
        identityCode: error.code,
        aadsts: m?.aadsts,
      },
      'Graph consent failed',
    );
    return fail(
      `Microsoft did not complete it (${m?.aadsts ? `AADSTS${m.aadsts}` : error.code}). Try again; if it keeps failing, an administrator should run Check configuration.`,
    );
  }
};

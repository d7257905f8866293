import { recordAudit } from '../audit/record.ts';
import { requireUser } from '../http/auth.ts';
import type { AppContext, AppDeps } from '../http/context.ts';
import { takeFlow } from '../http/flows.ts';
import { flash } from '../http/render.tsx';
import { readClientCredential } from '../microsoft/credentials/credential-store.ts';
import { checkDirectory } from '../microsoft/directory-rule.ts';
import { IdentityError } from '../microsoft/identity-error.ts';
import { redeemAuthorizationCode } from '../microsoft/redeem-code.ts';
import { MAILBOX_SCOPES, redirectUris } from '../microsoft/redirect-uris.ts';
import { authorityOf, loadMicrosoftSettings } from '../microsoft/settings.ts';
import { tokenOriginOf } from '../microsoft/token-origin.ts';
import { MailTransportError } from '../transports/transport-error.ts';
import { adoptMailbox } from './adopt-mailbox.ts';
import { CONNECT_FLOW, type ConnectFlow } from './connect-start.ts';
import { announceMailboxConnected } from './connected-signal.ts';
import { retrieveFolders } from './folders.ts';
import { finishGraphConsent } from './graph-consent.ts';
import { writeTokens } from './token-store.ts';

const AUTHORIZE_MESSAGES: Record<string, string> = {
  access_denied:
    'The connection was cancelled at Microsoft, or the permissions were declined. Nothing was connected.',
  consent_required:
    'Your organisation must approve Mailroom first: ask an administrator to grant admin consent on the Microsoft 365 settings page.',
  interaction_required:
    'Microsoft asked for an extra step that was not completed. Try again and complete every step.',
};

const fail = async (deps: AppDeps, c: AppContext, message: string, to = '/mailboxes') => {
  await flash(deps, c, 'error', message);
  return c.redirect(to);
};

/**
 * The mailbox-connection Redirect URI: checks `state`, redeems the code (server side: tokens never reach
 * the browser), validates the ID token, accepts only an account of the installation's directory (the
 * sign-in rule), ties the tokens to the right mailbox (refusing another Microsoft account on reconnect),
 * stores them sealed, and retrieves the folders over IMAP.
 */
export const finishConnect = async (deps: AppDeps, c: AppContext) => {
  const user = requireUser(c);
  const q = c.req.query();
  const session = await deps.sessions.load(c);
  const flow = q.state ? takeFlow<ConnectFlow>(session, CONNECT_FLOW, q.state) : null;
  if (session) await deps.sessions.save(session);
  if (!flow || flow.userId !== user.id) {
    return fail(
      deps,
      c,
      'This answer from Microsoft does not belong to a connection started in this browser in the last ten minutes. Start again.',
    );
  }
  // The same Redirect URI serves "Allow Mailroom to use Microsoft Graph" (only two are registered in Azure).
  if (flow.resource === 'graph') return finishGraphConsent(deps, c, user, flow, q);
  if (q.error || !q.code) {
    const code = /AADSTS(\d+)/.exec(q.error_description ?? '')?.[1];
    return fail(
      deps,
      c,
      `${AUTHORIZE_MESSAGES[q.error ?? ''] ?? `Microsoft did not connect the mailbox (${q.error ?? 'no code'}).`}${code ? ` (AADSTS${code})` : ''}`,
    );
  }
  const settings = await loadMicrosoftSettings(deps.db);
  const authority = authorityOf(settings);
  const credential = authority ? await readClientCredential(deps.db, deps.secrets, authority) : null;
  const origin = tokenOriginOf(settings);
  if (!authority || !origin || !settings.clientId || !settings.tenant || !credential)
    return fail(deps, c, 'Mailbox sync is not configured.');

  try {
    const { tokens, claims, metadata } = await redeemAuthorizationCode(
      deps,
      { authority, tenant: settings.tenant, clientId: settings.clientId, credential },
      {
        code: q.code,
        redirectUri: redirectUris(deps.config).mailboxConnection,
        verifier: flow.verifier,
        nonce: flow.nonce,
        scopes: ['openid', 'profile', 'email', ...MAILBOX_SCOPES],
      },
    );
    if (!tokens.refresh_token || !claims)
      return fail(
        deps,
        c,
        'Microsoft did not grant offline access, so Mailroom cannot keep the mailbox connected. Try again and accept every permission.',
      );
    // The same directory rule as sign-in: only the installation's own (or a listed) directory.
    const directory = checkDirectory(settings, metadata, claims.tid);
    if (!directory.ok) {
      deps.log.warn(
        { event: 'mailbox.connect_refused', reason: directory.reason, tid: claims.tid },
        'mailbox connection refused: directory not accepted',
      );
      return fail(
        deps,
        c,
        `The Microsoft account ${claims.preferredUsername ?? claims.oid} belongs to a directory (${claims.tid}) this Mailroom does not accept. Connect the mailbox with an account of your organisation’s directory.`,
        flow.mailboxId ? `/mailboxes/${flow.mailboxId}` : '/mailboxes',
      );
    }
    const adopted = await adoptMailbox(deps.db, user, flow.mailboxId, claims);
    if (!adopted.ok)
      return fail(deps, c, adopted.message, flow.mailboxId ? `/mailboxes/${flow.mailboxId}` : '/mailboxes');
    const mailbox = adopted.mailbox;
    await writeTokens(deps.db, deps.secrets, mailbox.id, {
      accessToken: tokens.access_token,
      expiresInSeconds: tokens.expires_in,
      refreshToken: tokens.refresh_token,
      origin,
    });
    await recordAudit(deps.db, user, adopted.reconnected ? 'mailbox.reconnected' : 'mailbox.connected', {
      mailbox: mailbox.address,
      account: claims.preferredUsername,
    });
    try {
      await retrieveFolders(deps, mailbox);
      announceMailboxConnected(mailbox.id);
      await flash(deps, c, 'success', `${mailbox.address} is connected. Tick the folders to sync.`);
    } catch (error) {
      if (!(error instanceof MailTransportError)) throw error;
      await flash(
        deps,
        c,
        'error',
        `${mailbox.address} is connected, but its folders could not be read: see the mailbox’s state.`,
      );
    }
    return c.redirect(`/mailboxes/${mailbox.id}`);
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    const m = error.microsoft;
    deps.log.warn(
      { event: 'mailbox.connect_failed', identityCode: error.code, aadsts: m?.aadsts },
      'mailbox connection failed',
    );
    return fail(
      deps,
      c,
      `Microsoft did not complete the connection (${m?.aadsts ? `AADSTS${m.aadsts}` : error.code}). Try again; if it keeps failing, an administrator should run Check configuration.`,
    );
  }
};

import { createHash, randomBytes } from 'node:crypto';
import { requireUser } from '../http/auth.ts';
import type { AppContext, AppDeps } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { type Flow, rememberFlow } from '../http/flows.ts';
import { flash } from '../http/render.tsx';
import { MAILBOX_SCOPES, redirectUris } from '../microsoft/redirect-uris.ts';
import { authorityOf, credentialsComplete, loadMicrosoftSettings } from '../microsoft/settings.ts';
import { findMailbox } from './repository.ts';

export const CONNECT_FLOW = 'mailboxConnect';

export interface ConnectFlow extends Flow {
  readonly nonce: string;
  readonly verifier: string;
  readonly userId: string;
  /** The mailbox being (re)connected; `null` connects the user's own new mailbox. */
  readonly mailboxId: string | null;
}

const random = () => randomBytes(32).toString('base64url');

/**
 * `GET /mailboxes/connect/microsoft[?mailbox=ID]`: a consent flow for `offline_access` and Outlook's
 * IMAP and SMTP scopes (one resource) plus `openid profile email`, with PKCE and `state`. A staff member
 * connects their own mailbox; an administrator connects a system mailbox with their own Microsoft account.
 */
export const startConnect = async (deps: AppDeps, c: AppContext) => {
  const user = requireUser(c);
  const settings = await loadMicrosoftSettings(deps.db);
  const authority = authorityOf(settings);
  if (
    !settings.syncEnabled ||
    !credentialsComplete(settings) ||
    !authority ||
    !settings.clientId ||
    !settings.tenant
  ) {
    await flash(
      deps,
      c,
      'error',
      'Mailbox sync with Microsoft 365 is not switched on. Ask your administrator.',
    );
    return c.redirect('/mailboxes');
  }
  const mailboxId = c.req.query('mailbox') ?? null;
  let loginHint = user.email;
  if (mailboxId) {
    const mailbox = await findMailbox(deps.db, mailboxId);
    const mayConnect =
      mailbox &&
      (mailbox.kind === 'system' ? user.role === 'administrator' : mailbox.ownerUserId === user.id);
    if (!mayConnect) throw new AppError('request.not_found', 'There is no such mailbox you may connect.');
    loginHint = mailbox.account?.upn ?? (mailbox.kind === 'user' ? mailbox.address : user.email);
  }
  const flow: ConnectFlow = {
    state: random(),
    nonce: random(),
    verifier: random(),
    userId: user.id,
    mailboxId,
    startedAt: Date.now(),
  };
  const session = await deps.sessions.ensure(c);
  rememberFlow(session, CONNECT_FLOW, flow);
  await deps.sessions.save(session);
  const metadata = await deps.microsoft.metadata(authority, settings.tenant);
  const params = new URLSearchParams({
    client_id: settings.clientId,
    response_type: 'code',
    redirect_uri: redirectUris(deps.config).mailboxConnection,
    response_mode: 'query',
    scope: ['openid', 'profile', 'email', ...MAILBOX_SCOPES].join(' '),
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: createHash('sha256').update(flow.verifier).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: loginHint,
    prompt: 'select_account',
  });
  return c.redirect(`${metadata.authorization_endpoint}?${params}`);
};

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
  /** `graph`: allowing Mailroom to use Microsoft Graph for a connected mailbox (graph-consent.ts). */
  readonly resource?: 'graph';
}

/**
 * Remembers the flow in this browser's session and redirects to Microsoft's authorize endpoint with PKCE,
 * `state` and `nonce`, for `scopes` (one resource, plus `openid profile email`), back to the
 * mailbox-connection Redirect URI.
 */
export const redirectToAuthorize = async (
  deps: AppDeps,
  c: AppContext,
  request: {
    readonly authority: string;
    readonly tenant: string;
    readonly clientId: string;
    readonly flow: Omit<ConnectFlow, 'state' | 'nonce' | 'verifier' | 'startedAt'>;
    readonly scopes: readonly string[];
    readonly loginHint: string;
    readonly prompt: 'select_account' | null;
  },
) => {
  const flow: ConnectFlow = {
    ...request.flow,
    state: random(),
    nonce: random(),
    verifier: random(),
    startedAt: Date.now(),
  };
  const session = await deps.sessions.ensure(c);
  rememberFlow(session, CONNECT_FLOW, flow);
  await deps.sessions.save(session);
  const metadata = await deps.microsoft.metadata(request.authority, request.tenant);
  const params = new URLSearchParams({
    client_id: request.clientId,
    response_type: 'code',
    redirect_uri: redirectUris(deps.config).mailboxConnection,
    response_mode: 'query',
    scope: ['openid', 'profile', 'email', ...request.scopes].join(' '),
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: createHash('sha256').update(flow.verifier).digest('base64url'),
    code_challenge_method: 'S256',
    login_hint: request.loginHint,
    ...(request.prompt ? { prompt: request.prompt } : {}),
  });
  return c.redirect(`${metadata.authorization_endpoint}?${params}`);
};

const random = () => randomBytes(32).toString('base64url');

/**
 * The directory and app that mailboxes connect through, or `null` when mailbox sync is off or the Microsoft
 * 365 settings are incomplete (the person is told so in a flash; the caller redirects).
 */
export const mailboxSyncApp = async (
  deps: AppDeps,
  c: AppContext,
): Promise<{ readonly authority: string; readonly tenant: string; readonly clientId: string } | null> => {
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
    return null;
  }
  return { authority, tenant: settings.tenant, clientId: settings.clientId };
};

/**
 * `GET /mailboxes/connect/microsoft[?mailbox=ID]`: a consent flow for `offline_access` and Outlook's
 * IMAP and SMTP scopes (one resource) plus `openid profile email`, with PKCE and `state`. A staff member
 * connects their own mailbox; an administrator connects a system mailbox with their own Microsoft account.
 */
export const startConnect = async (deps: AppDeps, c: AppContext) => {
  const user = requireUser(c);
  const app = await mailboxSyncApp(deps, c);
  if (!app) return c.redirect('/mailboxes');
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
  return redirectToAuthorize(deps, c, {
    ...app,
    flow: { userId: user.id, mailboxId },
    scopes: MAILBOX_SCOPES,
    loginHint,
    prompt: 'select_account',
  });
};

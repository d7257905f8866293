import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Session } from '../http/session.ts';
import { tenantKind } from './cloud.ts';
import { GRAPH_SHARED_MAIL_SCOPES, MAILBOX_SCOPES, redirectUris, SIGNIN_SCOPES } from './redirect-uris.ts';
import { authorityOf, type MicrosoftSettings } from './settings.ts';

const FLOW = 'adminConsent';
const LIFETIME_MS = 10 * 60_000;

interface AdminConsentFlow {
  readonly state: string;
  readonly startedAt: number;
}

/** What an administrator consents to for everyone: sign-in with IMAP and SMTP, or sign-in with Graph mail. */
export type AdminConsentFor = 'mailboxes' | 'graph';

const CONSENT_SCOPES: Record<AdminConsentFor, readonly string[]> = {
  mailboxes: [...SIGNIN_SCOPES, ...MAILBOX_SCOPES],
  // Incremental consent (issue 13 §3): Graph's mail permissions only when a mailbox needs Graph; the
  // `.Shared` ones for system mailboxes come with them, as an administrator grants for the whole directory.
  graph: [...SIGNIN_SCOPES, ...GRAPH_SHARED_MAIL_SCOPES],
};

/**
 * The v2 admin-consent URL for the delegated permissions Mailroom uses (ms-identity-spec.md §10.1), those
 * for mailboxes over IMAP and SMTP or those for Microsoft Graph mail, with a single-use `state` bound to
 * this browser's session. `/common` is not allowed there: use `organizations` instead.
 */
export const startAdminConsent = (
  config: Config,
  settings: MicrosoftSettings,
  session: Session,
  what: AdminConsentFor = 'mailboxes',
): string | null => {
  const authority = authorityOf(settings);
  if (!authority || !settings.clientId || !settings.tenant) return null;
  const tenant = tenantKind(settings.tenant) === 'common' ? 'organizations' : settings.tenant;
  const state = randomBytes(24).toString('base64url');
  session.data.flows = {
    ...session.data.flows,
    [FLOW]: { state, startedAt: Date.now() } satisfies AdminConsentFlow,
  };
  const params = new URLSearchParams({
    client_id: settings.clientId,
    scope: [...new Set(CONSENT_SCOPES[what])].join(' '),
    redirect_uri: redirectUris(config).signIn,
    state,
  });
  return `${authority}/${encodeURIComponent(tenant)}/v2.0/adminconsent?${params}`;
};

export type AdminConsentReturn =
  | { readonly ok: true; readonly tenant: string; readonly scopes: string[] }
  | { readonly ok: false; readonly reason: 'state' | 'refused'; readonly message: string };

/** Reads Microsoft's return (`admin_consent=True&tenant=…&scope=…` or `error=…`), after checking `state` once. */
export const finishAdminConsent = (
  session: Session | null,
  query: Record<string, string>,
): AdminConsentReturn => {
  const flow = session?.data.flows?.[FLOW] as AdminConsentFlow | undefined;
  if (session?.data.flows) delete session.data.flows[FLOW];
  if (!flow || !query.state || flow.state !== query.state || Date.now() - flow.startedAt > LIFETIME_MS) {
    return {
      ok: false,
      reason: 'state',
      message:
        'This admin-consent answer does not belong to a request made from this browser in the last 10 minutes. Start it again from this page.',
    };
  }
  if (query.error) {
    const code = /AADSTS(\d+)/.exec(query.error_description ?? '')?.[1];
    const declined = code === '65004' || query.error === 'access_denied';
    const message = declined
      ? 'The administrator declined to grant consent, so nothing was granted. Users may still be asked to consent themselves, if your directory allows it.'
      : `Microsoft did not grant consent: ${query.error}${code ? ` (AADSTS${code})` : ''}. ${(query.error_description ?? '').split(/\r?\n|Trace ID/)[0]}`;
    return { ok: false, reason: 'refused', message };
  }
  return { ok: true, tenant: query.tenant ?? '', scopes: (query.scope ?? '').split(' ').filter(Boolean) };
};

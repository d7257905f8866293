import type { AppContext, AppDeps } from '../http/context.ts';
import { redirectLocal } from '../http/redirect.ts';
import { readClientCredential } from '../microsoft/credentials/credential-store.ts';
import { checkDirectory } from '../microsoft/directory-rule.ts';
import { IdentityError } from '../microsoft/identity-error.ts';
import { redeemAuthorizationCode } from '../microsoft/redeem-code.ts';
import { redirectUris, SIGNIN_SCOPES } from '../microsoft/redirect-uris.ts';
import { authorityOf, loadMicrosoftSettings } from '../microsoft/settings.ts';
import { takeFlow } from './flow.ts';
import { linkAccount } from './link-account.ts';
import type { Refusal } from './refusal.ts';
import { showRefusal } from './refusal-page.tsx';

const AUTHORIZE_ERRORS: Record<string, Refusal['code']> = {
  access_denied: 'signin.access_denied',
  consent_required: 'signin.consent_required',
  interaction_required: 'signin.interaction_required',
  login_required: 'signin.interaction_required',
};

/** The error Microsoft redirected back with (ms-identity-spec.md §5.3): code, AADSTS, trace and correlation ids. */
const authorizeError = (q: Record<string, string>): Refusal => {
  const description = q.error_description ?? '';
  return {
    code: AUTHORIZE_ERRORS[q.error ?? ''] ?? 'signin.microsoft_error',
    reason: q.error,
    aadsts: Number(/AADSTS(\d+)/.exec(description)?.[1]) || null,
    traceId: /Trace ID: ([0-9a-f-]+)/i.exec(description)?.[1] ?? null,
    correlationId: /Correlation ID: ([0-9a-f-]+)/i.exec(description)?.[1] ?? null,
  };
};

/** Turns the identity client's typed errors into refusals. */
const identityRefusal = (error: IdentityError): Refusal => {
  const m = error.microsoft;
  const ids = {
    aadsts: m?.aadsts ?? null,
    traceId: m?.traceId ?? null,
    correlationId: m?.correlationId ?? null,
  };
  if (error.code.startsWith('id_token.')) return { code: 'signin.id_token_invalid', reason: error.code };
  if (error.code === 'microsoft.unreachable') return { code: 'signin.unreachable', reason: error.code };
  if (m?.aadsts === 54005) return { code: 'signin.code_redeemed', reason: m.error, ...ids };
  if (m?.suberror === 'consent_required' || m?.aadsts === 65001)
    return { code: 'signin.consent_required', reason: m.error, ...ids };
  // AADSTS7000215/7000222 (secret), 700027/700024 (certificate): the app's credential, the administrator's to fix.
  if (m?.error === 'invalid_client')
    return { code: 'signin.app_credential_refused', reason: m.error, ...ids };
  return { code: 'signin.token_error', reason: m?.error ?? error.code, ...ids };
};

/**
 * The sign-in Redirect URI: checks `state` (single use, this browser, ten minutes), redeems the code with
 * the PKCE verifier, validates the ID token, applies the directory rule (the installation's own or a
 * listed directory) and the domain rules, links the account and starts a new session.
 */
export const finishMicrosoftSignIn = async (deps: AppDeps, c: AppContext) => {
  const q = c.req.query();
  if (!q.state) return showRefusal(deps, c, q.error ? authorizeError(q) : { code: 'signin.state_missing' });
  const session = await deps.sessions.load(c);
  const flow = takeFlow(session, q.state);
  if (session) await deps.sessions.save(session);
  if (!flow) return showRefusal(deps, c, { code: 'signin.state_unknown' });
  if (q.error || !q.code) return showRefusal(deps, c, authorizeError(q), true);

  const settings = await loadMicrosoftSettings(deps.db);
  const authority = authorityOf(settings);
  const credential = authority ? await readClientCredential(deps.db, deps.secrets, authority) : null;
  if (!settings.signinEnabled) return showRefusal(deps, c, { code: 'signin.disabled' });
  if (!authority || !settings.clientId || !settings.tenant || !credential)
    return showRefusal(deps, c, { code: 'signin.not_configured' });

  try {
    const { metadata, claims } = await redeemAuthorizationCode(
      deps,
      { authority, tenant: settings.tenant, clientId: settings.clientId, credential },
      {
        code: q.code,
        redirectUri: redirectUris(deps.config).signIn,
        verifier: flow.verifier,
        nonce: flow.nonce,
        scopes: SIGNIN_SCOPES,
      },
    );
    if (!claims)
      return showRefusal(deps, c, { code: 'signin.id_token_invalid', reason: 'id_token.malformed' });

    const directory = checkDirectory(settings, metadata, claims.tid);
    if (!directory.ok)
      return showRefusal(deps, c, {
        code: 'signin.tenant_not_allowed',
        reason: directory.reason,
        subject: claims.tid,
      });

    const linked = await linkAccount(deps.db, settings, claims);
    if (!linked.ok) return showRefusal(deps, c, linked.refusal);
    await deps.sessions.signIn(c, linked.user.id);
    deps.log.info(
      { event: 'signin.microsoft', userId: linked.user.id, tid: claims.tid },
      'signed in with Microsoft 365',
    );
    return redirectLocal(c, deps.config, flow.next);
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    return showRefusal(deps, c, identityRefusal(error), true);
  }
};

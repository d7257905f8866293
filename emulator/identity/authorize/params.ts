import type { Directory } from '../../state/directory.ts';
import { now } from '../../state/directory.ts';
import type { App } from '../../state/model.ts';
import { AadError } from '../errors/aad-error.ts';
import { aadsts } from '../errors/aadsts.ts';
import { KNOWN_RESOURCES, scopeList, splitScopes } from '../scopes.ts';
import type { NewFlow, Prompt, ResponseMode } from '../signin/flow-store.ts';
import { resolveTenantPath, type TenantPath } from '../tenant-segment.ts';

/** Where an error may be sent once client and redirect URI are trusted (ms-identity-spec.md §5.3). */
export interface RedirectTarget {
  readonly redirectUri: string;
  readonly responseMode: ResponseMode;
  readonly state: string | null;
  /** Parameters put before all others (`admin_consent=True`, §10.1). */
  readonly leading?: readonly (readonly [string, string])[];
}

export type ClientCheck =
  | { readonly ok: true; readonly path: TenantPath; readonly app: App; readonly target: RedirectTarget }
  | { readonly ok: false; readonly err: AadError };

export type AuthorizeRequest =
  | { readonly kind: 'page'; readonly err: AadError }
  | { readonly kind: 'redirect'; readonly target: RedirectTarget; readonly err: AadError }
  | { readonly kind: 'ok'; readonly flow: NewFlow };

const PROMPTS: readonly Prompt[] = ['login', 'none', 'consent', 'select_account'];
const MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post'];
const VERIFIER_CHARS = /^[A-Za-z0-9\-._~]{43,128}$/;

const tenantName = (path: TenantPath): string =>
  path.kind === 'tenant' ? path.tenant.displayName : path.segment;

/**
 * Tenant, client and redirect URI: failures here are shown on Microsoft's page, never redirected (§5.4).
 * Shared by /authorize and /adminconsent.
 */
export const checkClient = (dir: Directory, segment: string, p: Record<string, string>): ClientCheck => {
  const path = resolveTenantPath(dir, segment);
  if (!path) return { ok: false, err: aadsts.tenantNotFound(segment) };
  const clientId = p.client_id;
  if (!clientId) return { ok: false, err: aadsts.missingParameter('client_id') };
  const app = dir.apps.get(clientId.toLowerCase());
  const foreignSingleTenant =
    app?.signInAudience === 'AzureADMyOrg' && path.kind === 'tenant' && app.homeTenantId !== path.tenant.id;
  if (!app || foreignSingleTenant) return { ok: false, err: aadsts.appNotFound(clientId, tenantName(path)) };
  if (path.kind !== 'tenant' && app.signInAudience === 'AzureADMyOrg') {
    return { ok: false, err: aadsts.notMultiTenant(app.appId, app.displayName) };
  }
  // Without redirect_uri Microsoft picks a registered one (§5.1).
  const redirectUri = p.redirect_uri ?? app.redirectUris[0]?.uri;
  if (!redirectUri) return { ok: false, err: aadsts.noReplyAddress() };
  if (!app.redirectUris.some((r) => r.uri === redirectUri)) {
    return { ok: false, err: aadsts.redirectUriMismatch(redirectUri, app.appId) };
  }
  const mode = MODES.find((m) => m === p.response_mode) ?? 'query';
  return { ok: true, path, app, target: { redirectUri, responseMode: mode, state: p.state ?? null } };
};

/** The response_type check of §5.3: only `code` without the implicit grant settings, which the emulator leaves off. */
const responseTypeError = (value: string | undefined, clientId: string): AadError | null => {
  if (value === undefined || value === '') return aadsts.missingParameter('response_type');
  const parts = value.split(' ').filter(Boolean);
  if (parts.length === 1 && parts[0] === 'code') return null;
  if (parts.includes('id_token')) return aadsts.implicitIdTokenDisabled(clientId);
  if (parts.includes('token')) return aadsts.implicitTokenDisabled();
  return aadsts.unsupportedResponseType(value);
};

const pkce = (
  p: Record<string, string>,
): { challenge: string | null; method: 'S256' | 'plain' | null } | AadError => {
  const challenge = p.code_challenge;
  if (!challenge) return { challenge: null, method: null };
  // Method omitted while a challenge is present means `plain` (§5.1).
  const method = p.code_challenge_method ?? 'plain';
  if (method !== 'S256' && method !== 'plain') return aadsts.badCodeChallengeMethod();
  if (!VERIFIER_CHARS.test(challenge) || (method === 'S256' && challenge.length !== 43))
    return aadsts.badCodeChallengeSize();
  return { challenge, method };
};

/** Validates an /authorize request in Microsoft's order: page errors first, then redirected errors. */
export const parseAuthorizeRequest = (
  dir: Directory,
  segment: string,
  p: Record<string, string>,
): AuthorizeRequest => {
  const client = checkClient(dir, segment, p);
  if (!client.ok) return { kind: 'page', err: client.err };
  const { path, app, target } = client;
  const fail = (err: AadError): AuthorizeRequest => ({ kind: 'redirect', target, err });
  if (p.response_mode !== undefined && !MODES.some((m) => m === p.response_mode))
    return fail(aadsts.unsupportedResponseMode());
  const typeError = responseTypeError(p.response_type, app.appId);
  if (typeError) return fail(typeError);
  const scopes = scopeList(p.scope);
  if (scopes.length === 0) return fail(aadsts.missingParameter('scope'));
  const unknown = splitScopes(scopes).resources.find((r) => !KNOWN_RESOURCES.has(r.resource));
  if (unknown) return fail(aadsts.unknownResource(unknown.resource, tenantName(path)));
  const prompt = p.prompt === undefined ? null : PROMPTS.find((x) => x === p.prompt);
  if (prompt === undefined) return fail(aadsts.badPrompt(p.prompt ?? ''));
  const challenge = pkce(p);
  if (challenge instanceof AadError) return fail(challenge);
  return {
    kind: 'ok',
    flow: {
      kind: 'authorize',
      createdAt: now(dir),
      path,
      app,
      ...target,
      scopes,
      loginHint: p.login_hint ?? null,
      nonce: p.nonce ?? null,
      codeChallenge: challenge.challenge,
      codeChallengeMethod: challenge.method,
      prompt,
      domainHint: p.domain_hint ?? null,
    },
  };
};

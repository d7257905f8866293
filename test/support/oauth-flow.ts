// Tokens from the emulator's real endpoints, the way Mailroom will get them: the authorization code flow with
// PKCE through the sign-in and consent pages, the refresh_token grant and client credentials
// (ms-identity-spec.md §5, §6.2-§6.4). Nothing is minted directly.
import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_DEMO_REDIRECT_URIS, type RunningEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { Browser, completeSignIn, postForm, redirectParams } from './http-client.ts';

/** The demo app's "connect a mailbox" redirect URI. */
const REDIRECT_URI = DEFAULT_DEMO_REDIRECT_URIS[1]!;

export interface Tokens {
  readonly accessToken: string;
  /** Only with `offline_access`, always on refresh (§6.2, §6.3). */
  readonly refreshToken: string | null;
  readonly idToken: string | null;
  readonly scope: string;
  readonly expiresIn: number;
}

/** A token endpoint error with its wire fields (§6.6): tests branch on `error` and the AADSTS code. */
export class TokenEndpointError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly errorCodes: readonly number[],
    readonly suberror: string | null,
    description: string,
  ) {
    super(description);
    this.name = 'TokenEndpointError';
  }
}

type TokenAnswer = Awaited<ReturnType<typeof postForm>>;

const optionalString = (json: Record<string, unknown>, field: string): string | null => {
  const value = json[field];
  if (value === undefined) return null;
  if (typeof value !== 'string' || value === '') throw new Error(`token response: ${field} is not a string`);
  return value;
};

/** Checks every field read from a token response before use (STYLE.md §8). */
const tokensOf = ({ status, json }: TokenAnswer): Tokens => {
  if (status !== 200) {
    const codes = Array.isArray(json.error_codes)
      ? json.error_codes.filter((c) => typeof c === 'number')
      : [];
    const suberror = typeof json.suberror === 'string' ? json.suberror : null;
    throw new TokenEndpointError(status, String(json.error), codes, suberror, String(json.error_description));
  }
  const accessToken = optionalString(json, 'access_token');
  const scope = optionalString(json, 'scope');
  if (accessToken === null || scope === null || typeof json.expires_in !== 'number')
    throw new Error(`token response without access_token, scope or expires_in: ${Object.keys(json)}`);
  return {
    accessToken,
    refreshToken: optionalString(json, 'refresh_token'),
    idToken: optionalString(json, 'id_token'),
    scope,
    expiresIn: json.expires_in,
  };
};

export const tokenUrl = (emu: RunningEmulator, tenant: string): string =>
  `${emu.httpUrl}/${tenant}/oauth2/v2.0/token`;

/** RFC 7636 §4.1-§4.2: a random verifier and its S256 challenge. */
const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

/** Walks /authorize, sign-in and consent as the user; returns the code the redirect carries. */
const authorizationCode = async (
  emu: RunningEmulator,
  login: { upn: string; password: string },
  request: { tenant: string; scopes: readonly string[]; challenge: string },
): Promise<string> => {
  const state = randomBytes(8).toString('hex');
  const query = new URLSearchParams({
    client_id: DEMO.appId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: request.scopes.join(' '),
    state,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
    login_hint: login.upn,
  });
  const browser = new Browser();
  const start = await browser.get(`${emu.httpUrl}/${request.tenant}/oauth2/v2.0/authorize?${query}`);
  const done = await completeSignIn(browser, start, { login: login.upn, password: login.password });
  if (done.location === null || !done.location.startsWith(`${REDIRECT_URI}?`))
    throw new Error(
      `sign-in of ${login.upn} ended without a redirect: ${done.status} ${done.html.slice(0, 300)}`,
    );
  const params = redirectParams(done.location);
  const code = params.get('code');
  if (params.get('state') !== state || !code)
    throw new Error(`authorize redirect without code or with another state: ${done.location}`);
  return code;
};

/**
 * The authorization code flow with PKCE for the demo app (a confidential client): sign in and consent
 * through the pages, then redeem the code at /token. Throws TokenEndpointError for an error answer.
 */
export const signInAndGetTokens = async (
  emu: RunningEmulator,
  upn: string,
  password: string,
  scopes: readonly string[],
  options: { tenant?: string } = {},
): Promise<Tokens> => {
  const tenant = options.tenant ?? 'organizations';
  const pkce = pkcePair();
  const code = await authorizationCode(emu, { upn, password }, { tenant, scopes, challenge: pkce.challenge });
  return tokensOf(
    await postForm(tokenUrl(emu, tenant), {
      grant_type: 'authorization_code',
      client_id: DEMO.appId,
      client_secret: emu.demo!.appSecret,
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: pkce.verifier,
      scope: scopes.join(' '),
    }),
  );
};

/** `grant_type=refresh_token`, optionally for another resource's scopes (§6.3). */
export const refreshTokens = async (
  emu: RunningEmulator,
  refreshToken: string,
  options: { scopes?: readonly string[]; tenant?: string } = {},
): Promise<Tokens> =>
  tokensOf(
    await postForm(tokenUrl(emu, options.tenant ?? 'organizations'), {
      grant_type: 'refresh_token',
      client_id: DEMO.appId,
      client_secret: emu.demo!.appSecret,
      refresh_token: refreshToken,
      ...(options.scopes ? { scope: options.scopes.join(' ') } : {}),
    }),
  );

/** `grant_type=client_credentials` for the demo app in `tenant`; the raw answer, for tests of its errors. */
export const clientCredentialsToken = (
  emu: RunningEmulator,
  tenant: string,
  scope = 'https://outlook.office365.com/.default',
): Promise<TokenAnswer> =>
  postForm(tokenUrl(emu, tenant), {
    grant_type: 'client_credentials',
    client_id: DEMO.appId,
    client_secret: emu.demo!.appSecret,
    scope,
  });

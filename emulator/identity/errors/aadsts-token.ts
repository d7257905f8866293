// AADSTS errors of the token endpoint and injected faults (ms-identity-spec.md §6, §7).
import { AadError } from './aad-error.ts';

const isoWithTicks = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}.0000000Z`;

export const tokenErrors = {
  // ---- token endpoint (§6)
  getNotAllowed: () =>
    new AadError(
      'invalid_request',
      900561,
      'The endpoint only accepts POST, OPTIONS requests. Received a GET request.',
    ),
  unsupportedGrantType: (value: string) =>
    new AadError('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${value}'.`),
  grantTypeNotOnCommon: () =>
    new AadError(
      'invalid_request',
      9001023,
      "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
    ),
  credentialMissing: () =>
    new AadError(
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    ),
  publicClientWithCredential: () =>
    new AadError(
      'invalid_client',
      700025,
      "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    ),
  wrongSecret: (clientId: string) =>
    new AadError(
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  secretExpired: (clientId: string) =>
    new AadError(
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    ),
  clientIdMismatch: () =>
    new AadError(
      'invalid_request',
      900023,
      "The client_id in the request body and in the Authorization header don't match.",
    ),
  codeInvalid: () =>
    new AadError('invalid_grant', 70000, "The provided value for the 'code' parameter is not valid."),
  codeRedeemed: () =>
    new AadError(
      'invalid_grant',
      54005,
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    ),
  codeExpired: () =>
    new AadError(
      'invalid_grant',
      70008,
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    ),
  codeOtherTenant: () =>
    new AadError(
      'invalid_grant',
      700005,
      'Provided Authorization Code is intended to use against other tenant, thus rejected.',
    ),
  // [?] modern code for a redirect_uri differing from the authorize request (ms-identity-spec.md §17.3).
  codeRedirectMismatch: (given: string, original: string) =>
    new AadError(
      'invalid_grant',
      500112,
      `The reply address '${given}' does not match the reply address '${original}' provided when requesting Authorization code.`,
    ),
  pkceMismatch: () =>
    new AadError(
      'invalid_grant',
      501481,
      'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
    ),
  refreshTokenInvalid: () =>
    new AadError('invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
  refreshTokenIdle: (issuedAt: number, idleSec: number) =>
    new AadError(
      'invalid_grant',
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${isoWithTicks(issuedAt)} and was inactive for ${timeSpan(idleSec)}.`,
      { suberror: 'bad_token' },
    ),
  grantRevoked: (issuedAt: number, validFrom: number) =>
    new AadError(
      'invalid_grant',
      50173,
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${isoWithTicks(issuedAt)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${isoWithTicks(validFrom)}'.`,
      { suberror: 'bad_token' },
    ),
  mfaRequired: (resourceAppId: string, options: { suberror?: 'basic_action' } = {}) =>
    new AadError(
      options.suberror ? 'invalid_grant' : 'interaction_required',
      50076,
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resourceAppId}'.`,
      options,
    ),
  consentMissing: (clientId: string, appName: string, options: { suberror?: 'consent_required' } = {}) =>
    new AadError(
      options.suberror ? 'invalid_grant' : 'consent_required',
      65001,
      `The user or administrator has not consented to use the application with ID '${clientId}' named '${appName}'. Send an interactive authorization request for this user and resource.`,
      options,
    ),
  twoResources: (scopes: string) =>
    new AadError(
      'invalid_scope',
      28000,
      `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scopes} is not valid.`,
    ),
  clientCredentialsScope: (scopes: string) =>
    new AadError(
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scopes} is not valid.`,
    ),
  clientCredentialsNotDefault: (scope: string) =>
    new AadError(
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  // ---- faults (§6.7)
  throttled: () =>
    new AadError(
      'temporarily_unavailable',
      90055,
      'There are too many incoming requests. Please try again later.',
      { status: 429 },
    ),
  transient: (status: number) =>
    new AadError('temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.', {
      status,
    }),
};

/** .NET TimeSpan text as in `inactive for 90.00:00:00`. */
const timeSpan = (sec: number): string => {
  const days = Math.floor(sec / 86400);
  const hms = new Date((sec % 86400) * 1000).toISOString().slice(11, 19);
  return `${days}.${hms}`;
};

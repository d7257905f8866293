// The AADSTS errors the emulator produces, with Microsoft's texts (ms-identity-spec.md §2.3, §5.3, §5.4, §6).
// One function per condition, named for the condition; the number is in the body.
import { AadError } from './aad-error.ts';

const isoWithTicks = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}.0000000Z`;

export const aadsts = {
  // ---- tenant and application
  tenantNotFound: (tenant: string) =>
    new AadError(
      'invalid_tenant',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  appNotFound: (clientId: string, directory: string) =>
    new AadError(
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  notMultiTenant: (appId: string, appName: string) =>
    new AadError(
      'invalid_request',
      50194,
      `Application '${appId}'(${appName}) isn't configured as a multitenant application. Usage of the /common endpoint isn't supported for such applications created after '10/15/2018 00:00:00'. Use a tenant-specific endpoint or configure the application to be multitenant.`,
    ),
  redirectUriMismatch: (uri: string, clientId: string) =>
    new AadError(
      'invalid_request',
      50011,
      `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
    ),
  noReplyAddress: () => new AadError('invalid_request', 500113, 'No reply address is registered for the application.'),
  // [?] The v2 admin consent endpoint refuses /common (ms-identity-spec.md §10.1); the exact code is not recorded.
  adminConsentOnCommon: () =>
    new AadError(
      'invalid_request',
      90130,
      "The /common endpoint isn't supported for admin consent. Use the /organizations or a tenant-specific endpoint.",
    ),
  // ---- users
  userNotInTenant: (upn: string, userTenantId: string, tenantName: string, clientId: string, appName: string) =>
    new AadError(
      'invalid_request',
      50020,
      `User account '${upn}' from identity provider 'https://sts.windows.net/${userTenantId}/' does not exist in tenant '${tenantName}' and cannot access the application '${clientId}'(${appName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
    ),
  userDisabled: () =>
    new AadError(
      'invalid_grant',
      50057,
      'The user account is disabled. The user object in Active Directory backing this account has been disabled. An admin can re-enable this account through PowerShell',
    ),
  wrongPassword: () => new AadError('invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
  userNotFound: () =>
    new AadError('invalid_grant', 50034, 'The user account does not exist in the directory. To sign into this application, the account must be added to the directory.'),
  // ---- authorize, redirected (§5.3)
  missingParameter: (name: string) =>
    new AadError('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  implicitIdTokenDisabled: (clientId: string) =>
    new AadError(
      'unsupported_response_type',
      700054,
      `response_type 'id_token' is not enabled for the application. The application requested an ID token from the authorization endpoint, but did not have ID token implicit grant enabled. Go to Azure Portal > Microsoft Entra ID > App registrations > Select your application '${clientId}' > Authentication > Under 'Implicit grant and hybrid flows', make sure 'ID tokens' is selected.`,
    ),
  implicitTokenDisabled: () =>
    new AadError('unsupported_response_type', 700051, "response_type 'token' is not enabled for the application."),
  unsupportedResponseType: (value: string) =>
    new AadError('unsupported_response_type', 70005, `response_type '${value}' is not supported.`),
  unsupportedResponseMode: () =>
    new AadError('invalid_request', 70007, 'The application returned an unsupported value of response_mode when requesting a token.'),
  badCodeChallengeMethod: () =>
    new AadError('invalid_request', 50149, 'The code_challenge_method is invalid. Only S256 and plain are supported.'),
  badCodeChallengeSize: () => new AadError('invalid_request', 501491, 'Invalid size of Code_Challenge parameter.'),
  badPrompt: (value: string) => new AadError('invalid_request', 90023, `Unsupported 'prompt' value '${value}'.`),
  unknownResource: (resource: string, tenantName: string) =>
    new AadError(
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  userCancelledConsent: () => new AadError('access_denied', 65004, 'User declined to consent to access the app.'),
  adminCancelledConsent: () =>
    new AadError('consent_required', 65004, 'The resource owner or authorization server denied the request.'),
  adminApprovalNeeded: () => new AadError('consent_required', 90094, 'The grant requires admin permission.'),
  noSession: () =>
    new AadError(
      'login_required',
      50058,
      "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD. This can happen if the user is using Internet Explorer or Edge, and the web app sending the silent sign-in request is in different IE security zone than the Azure AD endpoint (login.microsoftonline.com).",
    ),
  // ---- token endpoint (§6)
  getNotAllowed: () =>
    new AadError('invalid_request', 900561, 'The endpoint only accepts POST, OPTIONS requests. Received a GET request.'),
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
    new AadError('invalid_request', 900023, "The client_id in the request body and in the Authorization header don't match."),
  codeInvalid: () => new AadError('invalid_grant', 70000, "The provided value for the 'code' parameter is not valid."),
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
    new AadError('invalid_grant', 700005, 'Provided Authorization Code is intended to use against other tenant, thus rejected.'),
  // [?] modern code for a redirect_uri differing from the authorize request (ms-identity-spec.md §17.3).
  codeRedirectMismatch: (given: string, original: string) =>
    new AadError(
      'invalid_grant',
      500112,
      `The reply address '${given}' does not match the reply address '${original}' provided when requesting Authorization code.`,
    ),
  pkceMismatch: () =>
    new AadError('invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  refreshTokenInvalid: () => new AadError('invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
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
    new AadError('temporarily_unavailable', 90055, 'There are too many incoming requests. Please try again later.', { status: 429 }),
  transient: (status: number) =>
    new AadError('temporarily_unavailable', 90033, 'A transient error has occurred. Please try again.', { status }),
};

/** .NET TimeSpan text as in `inactive for 90.00:00:00`. */
const timeSpan = (sec: number): string => {
  const days = Math.floor(sec / 86400);
  const hms = new Date((sec % 86400) * 1000).toISOString().slice(11, 19);
  return `${days}.${hms}`;
};

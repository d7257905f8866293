// AADSTS errors of the sign-in side: tenant, application, user, /authorize (ms-identity-spec.md §2.3, §5.3, §5.4).
import { AadError } from './aad-error.ts';

export const signInErrors = {
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
  noReplyAddress: () =>
    new AadError('invalid_request', 500113, 'No reply address is registered for the application.'),
  // [?] The v2 admin consent endpoint refuses /common (ms-identity-spec.md §10.1); the exact code is not recorded.
  adminConsentOnCommon: () =>
    new AadError(
      'invalid_request',
      90130,
      "The /common endpoint isn't supported for admin consent. Use the /organizations or a tenant-specific endpoint.",
    ),
  // ---- users
  userNotInTenant: (
    upn: string,
    userTenantId: string,
    tenantName: string,
    clientId: string,
    appName: string,
  ) =>
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
  wrongPassword: () =>
    new AadError('invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
  userNotFound: () =>
    new AadError(
      'invalid_grant',
      50034,
      'The user account does not exist in the directory. To sign into this application, the account must be added to the directory.',
    ),
  // ---- authorize, redirected (§5.3)
  missingParameter: (name: string) =>
    new AadError(
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`,
    ),
  implicitIdTokenDisabled: (clientId: string) =>
    new AadError(
      'unsupported_response_type',
      700054,
      `response_type 'id_token' is not enabled for the application. The application requested an ID token from the authorization endpoint, but did not have ID token implicit grant enabled. Go to Azure Portal > Microsoft Entra ID > App registrations > Select your application '${clientId}' > Authentication > Under 'Implicit grant and hybrid flows', make sure 'ID tokens' is selected.`,
    ),
  implicitTokenDisabled: () =>
    new AadError(
      'unsupported_response_type',
      700051,
      "response_type 'token' is not enabled for the application.",
    ),
  unsupportedResponseType: (value: string) =>
    new AadError('unsupported_response_type', 70005, `response_type '${value}' is not supported.`),
  unsupportedResponseMode: () =>
    new AadError(
      'invalid_request',
      70007,
      'The application returned an unsupported value of response_mode when requesting a token.',
    ),
  badCodeChallengeMethod: () =>
    new AadError(
      'invalid_request',
      50149,
      'The code_challenge_method is invalid. Only S256 and plain are supported.',
    ),
  badCodeChallengeSize: () =>
    new AadError('invalid_request', 501491, 'Invalid size of Code_Challenge parameter.'),
  badPrompt: (value: string) =>
    new AadError('invalid_request', 90023, `Unsupported 'prompt' value '${value}'.`),
  unknownResource: (resource: string, tenantName: string) =>
    new AadError(
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  userCancelledConsent: () =>
    new AadError('access_denied', 65004, 'User declined to consent to access the app.'),
  adminCancelledConsent: () =>
    new AadError('consent_required', 65004, 'The resource owner or authorization server denied the request.'),
  adminApprovalNeeded: () => new AadError('consent_required', 90094, 'The grant requires admin permission.'),
  noSession: () =>
    new AadError(
      'login_required',
      50058,
      "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD. This can happen if the user is using Internet Explorer or Edge, and the web app sending the silent sign-in request is in different IE security zone than the Azure AD endpoint (login.microsoftonline.com).",
    ),
  // [?] Not a recorded Microsoft text: a sign-in form posted for a flow the emulator no longer knows.
  flowNotFound: () =>
    new AadError(
      'invalid_request',
      90015,
      'The sign-in request was not found or has expired. Go back to the application and sign in again.',
    ),
};

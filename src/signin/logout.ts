import type { AppDeps } from '../http/context.ts';
import { redirectUris } from '../microsoft/redirect-uris.ts';
import { authorityOf, loadMicrosoftSettings } from '../microsoft/settings.ts';

/**
 * When "Sign out of Microsoft too" is on: Microsoft's end-session endpoint (ms-identity-spec.md §9), which
 * returns to the sign-in Redirect URI (already registered in Azure). `null` otherwise or when unreachable.
 */
export const microsoftLogoutUrl = async (deps: AppDeps): Promise<string | null> => {
  const settings = await loadMicrosoftSettings(deps.db);
  const authority = authorityOf(settings);
  if (
    !settings.signOutOfMicrosoft ||
    !settings.signinEnabled ||
    !authority ||
    !settings.tenant ||
    !settings.clientId
  )
    return null;
  try {
    const metadata = await deps.microsoft.metadata(authority, settings.tenant);
    if (!metadata.end_session_endpoint) return null;
    const params = new URLSearchParams({
      client_id: settings.clientId,
      post_logout_redirect_uri: redirectUris(deps.config).signIn,
    });
    return `${metadata.end_session_endpoint}?${params}`;
  } catch (error) {
    // Signing out of Mailroom must not depend on Microsoft answering: the local session is already over.
    deps.log.warn(
      { event: 'signout.microsoft_unreachable', err: error },
      'could not reach Microsoft for sign-out',
    );
    return null;
  }
};

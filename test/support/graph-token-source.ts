import type { RunningEmulator } from '../../emulator/start.ts';
import type { GetToken } from '../../src/transports/graph/graph-client.ts';
import { refreshTokens, signInAndGetTokens } from './oauth-flow.ts';

/** Delegated Graph mail scopes as Mailroom asks for them, with their resource (graph-mail-spec.md §1). */
export const GRAPH_MAIL_RESOURCE_SCOPES = [
  'https://graph.microsoft.com/Mail.ReadWrite',
  'https://graph.microsoft.com/Mail.Send',
  'offline_access',
] as const;

export interface GraphTokenSource {
  readonly getToken: GetToken;
  /** How many times a fresh token was asked for (`forceRefresh`). */
  readonly forcedRefreshes: () => number;
}

/**
 * A token source for a user, from the emulator's real endpoints: sign-in and consent for the Graph mail
 * scopes, then the refresh_token grant (rotation kept) whenever a fresh token is asked for.
 */
export const graphTokenSource = async (
  emu: RunningEmulator,
  upn: string,
  password: string,
  scopes: readonly string[] = GRAPH_MAIL_RESOURCE_SCOPES,
): Promise<GraphTokenSource> => {
  const first = await signInAndGetTokens(emu, upn, password, ['openid', ...scopes]);
  let access = first.accessToken;
  let refresh = first.refreshToken!;
  let forced = 0;
  return {
    getToken: async (options) => {
      if (!options?.forceRefresh) return access;
      forced += 1;
      const next = await refreshTokens(emu, refresh, { scopes });
      access = next.accessToken;
      refresh = next.refreshToken ?? refresh;
      return access;
    },
    forcedRefreshes: () => forced,
  };
};

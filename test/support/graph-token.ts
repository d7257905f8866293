import { GRAPH_APP_ID } from '../../emulator/identity/resources.ts';
import { mintAccessToken } from '../../emulator/identity/tokens.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { findUserByLogin } from '../../emulator/state/directory.ts';

/** The Graph mail scopes a Mailroom mailbox asks for (issue 13 §3). */
export const GRAPH_MAIL_SCOPES = ['Mail.ReadWrite', 'Mail.Send'] as const;

/**
 * A Graph-audience delegated access token for a user of the demo app, signed by the emulator exactly as its
 * token endpoint signs them (like `outlookToken` for IMAP and SMTP). Graph mail tests use it to focus on
 * Graph; test/emulator/graph-mail-token.test.ts gets the same scopes from the real token endpoint.
 */
export const graphToken = (
  emu: RunningEmulator,
  upn: string,
  options: { scopes?: readonly string[]; audience?: string; lifetimeSec?: number } = {},
): Promise<string> => {
  const user = findUserByLogin(emu.ctx.dir, upn);
  const app = emu.ctx.dir.apps.get(DEMO.appId);
  if (!user || !app) throw new Error(`no user ${upn} or demo app`);
  return mintAccessToken(emu.ctx, {
    app,
    tenantId: user.tenantId,
    user,
    audience: options.audience ?? GRAPH_APP_ID,
    scopes: options.scopes ?? GRAPH_MAIL_SCOPES,
    lifetimeSec: options.lifetimeSec ?? 3600,
    grantType: 'authorization_code',
  });
};

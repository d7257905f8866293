import { GRAPH_APP_ID } from '../../emulator/identity/resources.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { outlookToken } from './mail-token.ts';

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
): Promise<string> =>
  outlookToken(emu, upn, {
    ...options,
    audience: options.audience ?? GRAPH_APP_ID,
    scopes: options.scopes ?? GRAPH_MAIL_SCOPES,
  });

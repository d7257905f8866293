import { toImapError } from '../transports/imap-smtp/imap-error.ts';
import { withImap } from '../transports/imap-smtp/imap-session.ts';
import type { DiagnoseContext } from './types.ts';

const TIMEOUT_MS = 20_000;

/**
 * Signs in over IMAP as `user` with the Outlook token the token step got, and EXAMINEs INBOX (SELECT
 * read-only: nothing on the server changes). Resolves with INBOX's message count, or throws an ImapError.
 */
export const openInbox = async (ctx: DiagnoseContext, user: string): Promise<number> => {
  const token = ctx.tokens.get('outlook')?.token;
  if (!token || !ctx.servers) throw new Error('the token and settings steps run before IMAP');
  return withImap(
    ctx.servers,
    { user, accessToken: token },
    async (client) => {
      // EXAMINE's refusal is translated as any imapflow failure is (imap-error.ts), by code and fields.
      const inbox = await client.mailboxOpen('INBOX', { readOnly: true }).catch((error: unknown) => {
        throw toImapError(error);
      });
      return inbox.exists;
    },
    { timeoutMs: TIMEOUT_MS },
  );
};

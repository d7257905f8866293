import { ImapError } from '../transports/imap-smtp/imap-error.ts';
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
      try {
        const inbox = await client.mailboxOpen('INBOX', { readOnly: true });
        return inbox.exists;
      } catch (error) {
        throw new ImapError(
          'imap.protocol',
          null,
          typeof (error as { responseText?: unknown }).responseText === 'string'
            ? (error as { responseText: string }).responseText
            : null,
          { cause: error },
        );
      }
    },
    { timeoutMs: TIMEOUT_MS },
  );
};

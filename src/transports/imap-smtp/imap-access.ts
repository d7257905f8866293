import type { ImapFlow } from 'imapflow';
import type { AppDeps } from '../../http/context.ts';
import type { MailServers } from '../../mail-servers.ts';
import { getAccessToken } from '../../mailboxes/access-token.ts';
import { classifyImapFailure } from '../../mailboxes/mail-failure.ts';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import { setMailboxState } from '../../mailboxes/repository.ts';
import { mailServersOf } from '../../microsoft/mail-servers-of.ts';
import { loadMicrosoftSettings } from '../../microsoft/settings.ts';
import { ImapError } from './imap-error.ts';
import { withImap } from './imap-session.ts';

export class MailboxAccessError extends Error {
  constructor(
    readonly code: 'mailbox.mail_servers_unknown',
    message: string,
  ) {
    super(message);
    this.name = 'MailboxAccessError';
  }
}

type Deps = Pick<AppDeps, 'db' | 'secrets' | 'fetch' | 'microsoft' | 'log' | 'extraCa'>;

/** The IMAP and SMTP hosts of the settings, or `mailbox.mail_servers_unknown` (a custom authority without them). */
export const mailServersOrThrow = async (deps: Pick<Deps, 'db' | 'extraCa'>): Promise<MailServers> => {
  const servers = mailServersOf(await loadMicrosoftSettings(deps.db), deps.extraCa);
  if (!servers)
    throw new MailboxAccessError(
      'mailbox.mail_servers_unknown',
      'the IMAP and SMTP servers of the custom authority are not set',
    );
  return servers;
};

/**
 * Runs `fn` in an IMAP session on the mailbox with a fresh token (`user=` the mailbox address, a shared
 * mailbox's too). An authentication failure gets one forced refresh and one more try; what still fails
 * is stored on the mailbox by who must act, then thrown. When `signal` aborts (the lease guarding the work
 * was lost), the session is closed at once and the signal's reason thrown: the mailbox is fine, the
 * work just stops.
 */
export const withMailboxImap = async <T>(
  deps: Deps,
  mailbox: Mailbox,
  fn: (client: ImapFlow) => Promise<T>,
  options: { signal?: AbortSignal } = {},
): Promise<T> => {
  const { signal } = options;
  const servers = await mailServersOrThrow(deps);
  const attempt = async (force: boolean) =>
    withImap(
      servers,
      { user: mailbox.address, accessToken: await getAccessToken(deps, mailbox.id, { force, servers }) },
      signal ? (client) => guarded(client, signal, fn) : fn,
    );
  try {
    try {
      return await attempt(false);
    } catch (error) {
      if (
        !(error instanceof ImapError) ||
        (error.code !== 'imap.auth_failed' && error.code !== 'imap.token_expired')
      )
        throw error;
      return await attempt(true);
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof ImapError) {
      const change = classifyImapFailure(error, mailbox);
      await setMailboxState(deps.db, mailbox.id, change);
      deps.log.warn(
        { event: 'mailbox.imap_failed', mailboxId: mailbox.id, imapCode: error.code, state: change.state },
        'IMAP failed',
      );
    }
    throw error;
  }
};

/** Runs `fn` with the session closed as soon as `signal` aborts (an in-flight FETCH ends at once). */
const guarded = async <T>(
  client: ImapFlow,
  signal: AbortSignal,
  fn: (client: ImapFlow) => Promise<T>,
): Promise<T> => {
  signal.throwIfAborted();
  const stop = () => client.close();
  signal.addEventListener('abort', stop, { once: true });
  try {
    return await fn(client);
  } finally {
    signal.removeEventListener('abort', stop);
  }
};

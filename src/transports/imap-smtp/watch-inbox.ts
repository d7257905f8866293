import type { ImapFlow } from 'imapflow';
import { getAccessToken } from '../../mailboxes/access-token.ts';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import { mailServersOf } from '../../microsoft/mail-servers-of.ts';
import { loadMicrosoftSettings } from '../../microsoft/settings.ts';
import type { ArrivalRound, TransportDeps, WatchHandlers, WatchOptions } from '../types.ts';
import { ImapError, toImapError } from './imap-error.ts';
import { closeImap, openImap } from './imap-session.ts';

/** Reconnect this long before the access token expires: Exchange ends the session at expiry (§13.3). */
const RENEW_BEFORE_MS = 2 * 60_000;
const MAX_SESSION_MS = 25 * 60_000;

/** Opens the Inbox session: one forced refresh after an authentication failure, as the sync does. */
const openInbox = async (
  deps: TransportDeps,
  mailbox: Mailbox,
  options: WatchOptions,
): Promise<ImapFlow | null> => {
  const { signal } = options;
  const servers = mailServersOf(await loadMicrosoftSettings(deps.db), deps.extraCa);
  if (!servers) return null;
  const open = (force: boolean) =>
    options.opening(async () => {
      signal.throwIfAborted();
      const client = await openImap(
        servers,
        {
          user: mailbox.address,
          accessToken: await getAccessToken(deps, mailbox.id, { servers, ...(force ? { force } : {}) }),
        },
        { timeoutMs: 30_000, signal },
      );
      try {
        await client.mailboxOpen('INBOX');
      } catch (error) {
        client.close();
        // What imapflow throws is translated once, as the sync does (STYLE.md 6).
        throw toImapError(error);
      }
      return client;
    });
  try {
    return await open(false);
  } catch (error) {
    if (
      signal.aborted ||
      !(error instanceof ImapError) ||
      (error.code !== 'imap.auth_failed' && error.code !== 'imap.token_expired')
    )
      throw error;
    return open(true);
  }
};

/**
 * One IDLE session on the Inbox (RFC 2177): resolves true when it is to be renewed (shortly before the
 * token expires, or after 25 minutes) or was closed by `signal`; false when the IMAP server is unknown;
 * rejects with the ImapError that ended it. Failures are stored on the mailbox by the caller, which
 * decides how often a dropped session may be reopened. With `handlers.onArrival`, new mail is listed on
 * this session: an EXISTS ends the IDLE and the round runs (a flag change or an expunge too: the Inbox
 * is then selected again for the whole folder's sync); those that come during a round make one more.
 */
export const watchInbox = async (
  deps: TransportDeps,
  mailbox: Mailbox,
  handlers: WatchHandlers,
  options: WatchOptions,
  roundOf: (client: ImapFlow) => Pick<ArrivalRound, 'session' | 'listArrivals'>,
): Promise<boolean> => {
  const { signal } = options;
  const client = await openInbox(deps, mailbox, options);
  if (!client) {
    deps.log.warn(
      { event: 'watch.no_servers', mailboxId: mailbox.id },
      'the IMAP server of the custom authority is not set: not watching',
    );
    return false;
  }
  const close = () => void closeImap(client);
  signal.addEventListener('abort', close, { once: true });
  let renew: NodeJS.Timeout | null = null;
  // When new mail is listed on this session: the first EXISTS not listed yet.
  let seenAt: number | null = null;
  // Flags changed or messages expunged since the last round: the next one syncs the whole folder.
  let changed = false;
  const arrived = () => {
    if (!handlers.onArrival) return handlers.onNewMail();
    seenAt ??= Date.now();
    // Any command ends IDLE (imapflow sends DONE first, RFC 2177): the loop below then lists what came.
    // A NOOP that fails means the connection is gone, which the IDLE loop reports.
    if (client.idling) void client.noop().catch(() => undefined);
  };
  const changedOnServer = () => {
    if (!handlers.onArrival) return;
    changed = true;
    arrived();
  };
  try {
    client.on('exists', arrived);
    // RFC 3501 §7.4.1, §7.4.2: told during IDLE; the periodic sync reads them too.
    client.on('flags', changedOnServer);
    client.on('expunge', changedOnServer);
    const row = await deps.db
      .selectFrom('mailboxes')
      .select('access_token_expires_at')
      .where('id', '=', mailbox.id)
      .executeTakeFirst();
    const expiresIn = Date.parse(row?.access_token_expires_at ?? '') - Date.now() - RENEW_BEFORE_MS;
    const lifetime = Number.isNaN(expiresIn) ? MAX_SESSION_MS : Math.min(MAX_SESSION_MS, expiresIn);
    renew = setTimeout(close, Math.max(lifetime, 10_000));
    handlers.onOpened();
    // Mail that arrived while nobody watched is listed now, by a round on this session before its first
    // IDLE (new mail past the cursor: one SEARCH, and a FETCH and a transaction when there is any; a
    // folder never synced goes to a job). A job of its own would open a second session for each mailbox:
    // a worker taking over 500 mailboxes queued 500 of them (~0.4 s each, 16 at a time) behind the mail
    // delivered meanwhile. Flags and deletions made while nobody watched are the periodic sync's.
    if (handlers.onArrival) seenAt = Date.now();
    else handlers.onNewMail();
    // idle() resolves when IDLE is broken; it is re-entered until the session closes.
    while (client.usable && !signal.aborted) {
      if (handlers.onArrival && seenAt !== null) {
        const at = seenAt;
        const whole = changed;
        seenAt = null;
        changed = false;
        // The whole folder's sync plans from a fresh UIDNEXT and HIGHESTMODSEQ (EXISTS tells neither);
        // new mail alone is listed from the folder's cursor, on the Inbox as selected.
        if (whole)
          await client.mailboxOpen('INBOX').catch((error: unknown) => Promise.reject(toImapError(error)));
        await handlers.onArrival({
          ...roundOf(client),
          seenAt: at,
          changed: whole,
          close: () => client.close(),
        });
        continue;
      }
      await client.idle().catch((error: unknown) => {
        throw toImapError(error);
      });
    }
    return true;
  } finally {
    if (renew) clearTimeout(renew);
    signal.removeEventListener('abort', close);
    await closeImap(client).catch((error: unknown) =>
      deps.log.warn({ event: 'watch.close_failed', mailboxId: mailbox.id, err: error }, 'LOGOUT failed'),
    );
  }
};

import { setTimeout as sleep } from 'node:timers/promises';
import type { ImapFlow } from 'imapflow';
import { getAccessToken } from '../mailboxes/access-token.ts';
import { onMailboxConnected } from '../mailboxes/connected-signal.ts';
import { findMailbox } from '../mailboxes/repository.ts';
import { mailServersOf } from '../microsoft/mail-servers-of.ts';
import { loadMicrosoftSettings } from '../microsoft/settings.ts';
import { closeImap, openImap } from './imap-session.ts';
import type { SyncDeps } from './sync-mailbox.ts';

/** Reconnect this long before the access token expires: Exchange ends the session at expiry (§13.3). */
const RENEW_BEFORE_MS = 2 * 60_000;
const MAX_SESSION_MS = 25 * 60_000;

/**
 * Near real time: one IDLE session on the Inbox of each connected mailbox (at most `max` per process),
 * calling `onNewMail` when the server announces new messages. A session is renewed before its token
 * expires, and reopened with a growing pause after a failure (what failed is already stored on the mailbox
 * by the token or IMAP code).
 */
export const startIdleWatchers = (
  deps: SyncDeps,
  onNewMail: (mailboxId: string) => void,
  options: { max: number; rescanMs?: number },
) => {
  const watching = new Map<string, { client: ImapFlow | null }>();
  let stopped = false;
  const abort = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: abort.signal }).catch(() => undefined);

  const watch = async (mailboxId: string) => {
    const slot = { client: null as ImapFlow | null };
    watching.set(mailboxId, slot);
    let failures = 0;
    while (!stopped) {
      const mailbox = await findMailbox(deps.db, mailboxId).catch(() => undefined);
      if (
        !mailbox?.connected ||
        !mailbox.enabled ||
        mailbox.state === 'reconnect_required' ||
        mailbox.state === 'admin_action_required'
      )
        break;
      try {
        const servers = mailServersOf(await loadMicrosoftSettings(deps.db), deps.extraCa);
        if (!servers) break;
        const token = await getAccessToken(deps, mailboxId, { servers });
        const row = await deps.db
          .selectFrom('mailboxes')
          .select('access_token_expires_at')
          .where('id', '=', mailboxId)
          .executeTakeFirst();
        const lifetime = Math.min(
          MAX_SESSION_MS,
          Date.parse(row?.access_token_expires_at ?? '') - Date.now() - RENEW_BEFORE_MS,
        );
        const client = await openImap(
          servers,
          { user: mailbox.address, accessToken: token },
          { timeoutMs: 30_000 },
        );
        slot.client = client;
        await client.mailboxOpen('INBOX');
        client.on('exists', () => onNewMail(mailboxId));
        const renew = setTimeout(() => void closeImap(client), Math.max(lifetime, 10_000));
        failures = 0;
        onNewMail(mailboxId);
        // idle() resolves when IDLE is broken; imapflow re-enters it until the session closes.
        while (client.usable && !stopped) await client.idle();
        clearTimeout(renew);
      } catch {
        failures++;
      } finally {
        if (slot.client) await closeImap(slot.client).catch(() => undefined);
        slot.client = null;
      }
      if (!stopped) await pause(Math.min(60_000, 500 * 2 ** Math.min(failures, 7)));
    }
    watching.delete(mailboxId);
  };

  const rescan = async () => {
    while (!stopped) {
      const ids = (
        await deps.db
          .selectFrom('mailboxes')
          .select('id')
          .where('enabled', '=', 1)
          .where('refresh_token_encrypted', 'is not', null)
          .where('state', '=', 'connected')
          .orderBy('id')
          .execute()
          .catch(() => [])
      ).map((r) => r.id);
      for (const id of ids) if (!watching.has(id) && watching.size < options.max) void watch(id);
      await pause(options.rescanMs ?? 30_000);
    }
  };
  void rescan();
  // A mailbox connected in this process is watched (and so synced) at once, not at the next rescan.
  const unsubscribe = onMailboxConnected((id) => {
    if (!stopped && !watching.has(id) && watching.size < options.max) void watch(id);
  });

  return {
    watching: () => [...watching.keys()],
    async stop() {
      stopped = true;
      unsubscribe();
      abort.abort();
      await Promise.all(
        [...watching.values()].map((w) =>
          w.client ? closeImap(w.client).catch(() => undefined) : undefined,
        ),
      );
    },
  };
};

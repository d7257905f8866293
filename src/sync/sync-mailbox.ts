import { setTimeout as sleep } from 'node:timers/promises';
import type { AppDeps } from '../http/context.ts';
import { storedFolders } from '../mailboxes/folders.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import { findMailbox, setMailboxState } from '../mailboxes/repository.ts';
import type { BlobStore } from '../messages/blob-store.ts';
import { pruneOrphans } from '../messages/locations.ts';
import { MailTransportError } from '../transports/transport-error.ts';
import { transportFor } from '../transports/transport-for.ts';
import type { FolderSyncResult } from '../transports/types.ts';
import { type ArrivalTiming, mark } from './arrival-timing.ts';

const hasPendingParses = async (db: SyncDeps['db'], mailboxId: string): Promise<boolean> =>
  (await db
    .selectFrom('messages')
    .select('id')
    .where('mailbox_id', '=', mailboxId)
    .where('parse_state', '=', 'pending')
    .limit(1)
    .executeTakeFirst()) !== undefined;

/** Exchange may suggest waits of minutes (§13.3); a sync waits at most this long before trying again. */
const MAX_THROTTLE_WAIT_MS = 60_000;
const MAX_ATTEMPTS = 4;

/**
 * Failures a new session (with a fresh token where needed) resumes from the cursor: IMAP's, and Graph's
 * counterparts — a token Graph still refused after the client's own refresh (`graph.invalid_token`), a cut
 * connection or timeout, throttling or unavailability that outlasted the client's own retries.
 */
const RESUMABLE = new Set([
  'imap.token_expired',
  'imap.closed',
  'imap.unavailable',
  'imap.timeout',
  'imap.throttled',
  'imap.unreachable',
  'graph.invalid_token',
  'graph.unreachable',
  'graph.timeout',
  'graph.unavailable',
  'graph.throttled',
]);
/** Of those, the ones after which the server's suggested wait (Retry-After, Suggested Backoff Time) is kept (capped). */
const THROTTLED = new Set(['imap.throttled', 'graph.throttled', 'graph.unavailable']);

export type SyncDeps = Pick<
  AppDeps,
  'db' | 'secrets' | 'fetch' | 'microsoft' | 'log' | 'extraCa' | 'parser'
> & {
  readonly blobs: BlobStore;
};

/**
 * Syncs every selected folder of a mailbox. A session cut by `BYE Session invalidated - AccessTokenExpired`,
 * a dropped connection or throttling is resumed in a new session from the folder's cursor, so nothing is
 * fetched twice and nothing skipped; what cannot be resumed is stored on the mailbox by who must act.
 */
export const syncMailbox = async (
  deps: SyncDeps,
  mailbox: Mailbox,
  options: {
    signal?: AbortSignal;
    /**
     * Return once every listed message is read too (the default: a caller that reads bodies after the
     * sync). A background sync does not wait: the parse threads read them while the next sync lists.
     */
    waitForBodies?: boolean;
    /**
     * Only these of the selected folders (the Inbox when its watcher saw new mail). Such a round neither
     * prunes messages left without a folder: a full sync does, having seen every folder.
     */
    only?: readonly string[];
    /** The steps of an arrival round, marked as they are done (arrival-timing.ts). */
    timing?: ArrivalTiming;
  } = {},
): Promise<Record<string, FolderSyncResult>> => {
  const only = options.only ? new Set(options.only.map((p) => p.toUpperCase())) : null;
  const folders = (await storedFolders(deps.db, mailbox.id))
    .filter((f) => f.selected && (!only || only.has(f.path.toUpperCase())))
    .map((f) => f.path);
  const results: Record<string, FolderSyncResult> = {};
  for (let attempt = 1; ; attempt++) {
    try {
      // After a failure, read again: the first session may have moved the mailbox to Graph (choose-reading.ts).
      const current = attempt === 1 ? mailbox : ((await findMailbox(deps.db, mailbox.id)) ?? mailbox);
      await transportFor(deps, current).read(
        async (session) => {
          mark(options.timing, 'session');
          for (const path of folders) {
            if (results[path]) continue;
            results[path] = await session.syncFolder(
              deps,
              path,
              options.signal ? { signal: options.signal } : {},
            );
          }
          mark(options.timing, 'synced');
        },
        options.signal ? { signal: options.signal } : {},
      );
      break;
    } catch (error) {
      // The lease guarding the sync was lost: stop, whatever the session said as it closed.
      options.signal?.throwIfAborted();
      if (!(error instanceof MailTransportError) || !RESUMABLE.has(error.code) || attempt >= MAX_ATTEMPTS)
        throw error;
      deps.log.info(
        { event: 'sync.resume', mailboxId: mailbox.id, errorCode: error.code, attempt },
        'resuming sync in a new session',
      );
      if (THROTTLED.has(error.code))
        await sleep(
          Math.min(error.retryAfterMs ?? 1000, MAX_THROTTLE_WAIT_MS),
          undefined,
          options.signal ? { signal: options.signal } : {},
        );
    }
  }
  // Listed messages are in the list already. Copies are found to be messages already stored (their
  // locations moved there) once read, so orphans are pruned only when nothing waits to be read.
  if (options.waitForBodies !== false) await deps.parser.drain(mailbox.id, options.signal);
  options.signal?.throwIfAborted();
  if (!only && (options.waitForBodies !== false || !(await hasPendingParses(deps.db, mailbox.id))))
    await pruneOrphans(deps.db, mailbox.id);
  await setMailboxState(deps.db, mailbox.id, { state: 'connected', code: null, message: null });
  return results;
};

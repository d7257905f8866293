import { z } from 'zod';
import { collectionPage, parseItem } from './collection.ts';
import type { GraphErrorContext } from './graph-advice.ts';
import type { GraphClient } from './graph-client.ts';
import { GraphError } from './graph-error.ts';
import {
  LISTING_SELECT,
  type ListedMessage,
  messageSchema,
  SIZE_EXPAND,
  toListedMessage,
} from './listed-message.ts';
import { mailboxRoot, segment } from './mailbox-path.ts';

/**
 * Where a folder's delta round stands, opaque to callers: Graph's `@odata.nextLink` while a round is under
 * way (a crash resumes there) or its `@odata.deltaLink` once it is done (the next round starts there).
 */
export type DeltaCursor = string;

export interface DeltaOptions {
  /** `Prefer: odata.maxpagesize=N` (§4; twenty uses 999 as the ceiling). Default 100. */
  readonly pageSize?: number;
  /** Ask for PR_MESSAGE_SIZE too (an `$expand`); only on a round's first request. */
  readonly withSize?: boolean;
  readonly signal?: AbortSignal;
}

export type DeltaPage =
  | {
      readonly kind: 'page';
      /** Messages new to the folder or changed in it (the same one may come twice: replays, §4). */
      readonly changed: readonly ListedMessage[];
      /** Ids with `@removed`: deleted, or moved out of the folder (then present in the new folder's delta). */
      readonly removed: readonly string[];
      /** `more`: call again with `cursor`; `done`: the round is over, keep `cursor` for the next one. */
      readonly next: { readonly kind: 'more' | 'done'; readonly cursor: DeltaCursor };
    }
  | {
      /** Graph forgot the cursor (410 SyncStateNotFound, §4): start over with a null cursor, without duplicates. */
      readonly kind: 'resync';
      readonly error: GraphError;
    };

const removedSchema = z.looseObject({ id: z.string().min(1), '@removed': z.looseObject({}) });

const firstRequest = (mailbox: string, folderId: string, withSize: boolean) => ({
  path: `${mailboxRoot(mailbox)}/mailFolders/${segment(folderId)}/messages/delta`,
  // §4: query options go on the first request only; Graph encodes them into the links.
  query: { $select: LISTING_SELECT, ...(withSize ? { $expand: SIZE_EXPAND } : {}) },
});

/** One page of `messages/delta` for a folder: from the start when `cursor` is null, else from the cursor. */
export const deltaPage = async (
  client: GraphClient,
  mailbox: string,
  folderId: string,
  cursor: DeltaCursor | null,
  options: DeltaOptions = {},
): Promise<DeltaPage> => {
  const context: GraphErrorContext = { mailbox, permission: 'Mail.Read' };
  const target =
    cursor === null ? firstRequest(mailbox, folderId, options.withSize === true) : { path: cursor };
  let json: unknown;
  try {
    const answer = await client.request({
      method: 'GET',
      ...target,
      prefer: [`odata.maxpagesize=${options.pageSize ?? 100}`],
      read: 'json',
      context,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    json = answer.json;
  } catch (error) {
    if (error instanceof GraphError && error.code === 'graph.sync_state_not_found')
      return { kind: 'resync', error };
    throw error;
  }
  const page = collectionPage(json, context);
  const nextLink = page['@odata.nextLink'];
  const deltaLink = page['@odata.deltaLink'];
  // §4: each page has exactly one of the two links.
  if ((nextLink === undefined) === (deltaLink === undefined))
    throw new GraphError('graph.protocol', {}, context);
  const changed: ListedMessage[] = [];
  const removed: string[] = [];
  for (const item of page.value) {
    const gone = removedSchema.safeParse(item);
    if (gone.success) removed.push(gone.data.id);
    else changed.push(toListedMessage(parseItem(messageSchema, item, context)));
  }
  const next =
    nextLink !== undefined
      ? { kind: 'more' as const, cursor: nextLink }
      : { kind: 'done' as const, cursor: deltaLink! };
  return { kind: 'page', changed, removed, next };
};

export type DeltaRound =
  | {
      readonly kind: 'synced';
      readonly cursor: DeltaCursor;
      readonly changed: number;
      readonly removed: number;
      readonly pages: number;
    }
  | { readonly kind: 'resync'; readonly error: GraphError };

/**
 * A whole delta round for a folder: pages until the `@odata.deltaLink`, each handed to `onPage` (which stores
 * it, and may persist its `next.cursor` so a crash resumes mid-round) before the next is asked for, so memory
 * stays one page deep. An empty page with a nextLink is not the end (§4).
 */
export const syncFolderDelta = async (
  client: GraphClient,
  mailbox: string,
  folderId: string,
  cursor: DeltaCursor | null,
  onPage: (page: Extract<DeltaPage, { kind: 'page' }>) => Promise<void>,
  options: DeltaOptions & { readonly maxPages?: number } = {},
): Promise<DeltaRound> => {
  let at = cursor;
  let changed = 0;
  let removed = 0;
  for (let pages = 1; pages <= (options.maxPages ?? 100_000); pages += 1) {
    const page = await deltaPage(client, mailbox, folderId, at, options);
    if (page.kind === 'resync') return page;
    await onPage(page);
    changed += page.changed.length;
    removed += page.removed.length;
    if (page.next.kind === 'done')
      return { kind: 'synced', cursor: page.next.cursor, changed, removed, pages };
    at = page.next.cursor;
  }
  throw new GraphError('graph.protocol', {}, { mailbox, permission: 'Mail.Read' });
};

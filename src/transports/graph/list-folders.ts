import { z } from 'zod';
import { readCollection } from './collection.ts';
import type { GraphErrorContext } from './graph-advice.ts';
import type { GraphClient } from './graph-client.ts';
import { GraphError } from './graph-error.ts';
import { mailboxRoot, segment } from './mailbox-path.ts';

/** RFC 6154 special-use names, as the IMAP side stores them. */
export type SpecialUse = '\\Inbox' | '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive';

export interface GraphFolder {
  /** Graph's folder id (stable: immutable ids do not apply to containers, §2). */
  readonly id: string;
  /** Null for a child of the mailbox's root. */
  readonly parentId: string | null;
  readonly name: string;
  /** Display names from the top, joined by `/`, e.g. `Inbox/Receipts`. */
  readonly path: string;
  readonly specialUse: SpecialUse | null;
  readonly totalItemCount: number | null;
  readonly unreadItemCount: number | null;
  readonly childFolderCount: number;
}

/** Well-known names usable in place of an id, locale-independent (§2), and the special use each marks. */
export const WELL_KNOWN: ReadonlyMap<string, SpecialUse> = new Map([
  ['inbox', '\\Inbox'],
  ['sentitems', '\\Sent'],
  ['drafts', '\\Drafts'],
  ['deleteditems', '\\Trash'],
  ['junkemail', '\\Junk'],
  ['archive', '\\Archive'],
]);

const folderSchema = z.looseObject({
  id: z.string().min(1),
  displayName: z.string(),
  parentFolderId: z.string().nullish(),
  childFolderCount: z.number().int().nonnegative().nullish(),
  totalItemCount: z.number().int().nullish(),
  unreadItemCount: z.number().int().nullish(),
  // Only in the beta resource (§2); used when a server sends it.
  wellKnownName: z.string().nullish(),
});
type RawFolder = z.infer<typeof folderSchema>;

const MAX_FOLDERS = 10_000;
const SELECT = 'id,displayName,parentFolderId,childFolderCount,totalItemCount,unreadItemCount';

/**
 * v1.0 folders carry no well-known name, so each alias is asked for its id (`GET /me/mailFolders/inbox`).
 * A mailbox without an archive folder answers 404 ErrorItemNotFound for it: that use is simply absent.
 */
const wellKnownIds = async (
  client: GraphClient,
  root: string,
  context: GraphErrorContext,
  signal?: AbortSignal,
): Promise<Map<string, SpecialUse>> => {
  const ids = new Map<string, SpecialUse>();
  for (const [alias, use] of WELL_KNOWN) {
    try {
      const answer = await client.request({
        method: 'GET',
        path: `${root}/mailFolders/${alias}`,
        query: { $select: 'id' },
        read: 'json',
        context,
        ...(signal ? { signal } : {}),
      });
      const id = z.looseObject({ id: z.string().min(1) }).safeParse(answer.json);
      if (!id.success) throw new GraphError('graph.protocol', {}, context, { cause: id.error });
      ids.set(id.data.id, use);
    } catch (error) {
      if (!(error instanceof GraphError && error.code === 'graph.item_not_found')) throw error;
    }
  }
  return ids;
};

/**
 * Every mail folder of `mailbox` ('me' or an address): the root's children (`mailFolders` lists one level
 * only, §2), then each folder's `childFolders`, breadth first, following `@odata.nextLink`.
 */
export const listFolders = async (
  client: GraphClient,
  mailbox: string,
  options: { readonly includeHidden?: boolean; readonly signal?: AbortSignal } = {},
): Promise<GraphFolder[]> => {
  const root = mailboxRoot(mailbox);
  const context: GraphErrorContext = { mailbox, permission: 'Mail.Read' };
  const query: Record<string, string> = { $top: '100', $select: SELECT };
  if (options.includeHidden) query.includeHiddenFolders = 'true';
  const read = (path: string) =>
    readCollection(client, { path, query }, folderSchema, {
      context,
      maxItems: MAX_FOLDERS,
      ...(options.signal ? { signal: options.signal } : {}),
    });

  type Found = { raw: RawFolder; parentPath: string | null; parentId: string | null };
  const found: Found[] = [];
  let level: Found[] = (await read(`${root}/mailFolders`)).map((raw) => ({
    raw,
    parentPath: null,
    parentId: null,
  }));
  while (level.length > 0) {
    found.push(...level);
    if (found.length > MAX_FOLDERS) throw new GraphError('graph.protocol', {}, context);
    const next: Found[] = [];
    for (const { raw, parentPath } of level) {
      if (!raw.childFolderCount) continue;
      const path = parentPath ? `${parentPath}/${raw.displayName}` : raw.displayName;
      const children = await read(`${root}/mailFolders/${segment(raw.id)}/childFolders`);
      next.push(...children.map((child) => ({ raw: child, parentPath: path, parentId: raw.id })));
    }
    level = next;
  }

  const named = found.some((f) => f.raw.wellKnownName);
  const byId = named ? null : await wellKnownIds(client, root, context, options.signal);
  return found.map(({ raw, parentPath, parentId }) => ({
    id: raw.id,
    parentId,
    name: raw.displayName,
    path: parentPath ? `${parentPath}/${raw.displayName}` : raw.displayName,
    specialUse: byId
      ? (byId.get(raw.id) ?? null)
      : (WELL_KNOWN.get(raw.wellKnownName?.toLowerCase() ?? '') ?? null),
    totalItemCount: raw.totalItemCount ?? null,
    unreadItemCount: raw.unreadItemCount ?? null,
    childFolderCount: raw.childFolderCount ?? 0,
  }));
};

import type { Context } from 'hono';
import { mailTarget } from './caller.ts';
import type { GraphMailDeps } from './deps.ts';
import { notFound } from './errors.ts';
import { childrenOf, folderJson, ROOT_PATH, resolveFolder, rootJson } from './folders.ts';
import { contextUrl, linkTo, pageOf } from './paging.ts';

const folderPage = async (deps: GraphMailDeps, c: Context, parentName: string | null) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'read');
  const all = await deps.store.folders(mailbox.address);
  const parent = parentName === null ? ROOT_PATH : resolveFolder(mailbox.address, all, parentName);
  const { top, skip } = pageOf(c);
  const children = childrenOf(all, parent);
  const value = children.slice(skip, skip + top).map((f) => folderJson(mailbox.address, f, all));
  const body: Record<string, unknown> = { '@odata.context': contextUrl('Collection(mailFolder)'), value };
  if (skip + top < children.length)
    body['@odata.nextLink'] = linkTo(c, { $top: String(top), $skip: String(skip + top) });
  return c.json(body);
};

/** `GET …/mailFolders`: the root's children only, ten a page by default (graph-mail-spec.md §2). */
export const listFolders = (deps: GraphMailDeps) => (c: Context) => folderPage(deps, c, null);

/** `GET …/mailFolders/{id}/childFolders`. */
export const listChildFolders = (deps: GraphMailDeps) => (c: Context) =>
  folderPage(deps, c, c.req.param('folder')!);

/** `GET …/mailFolders/{id | well-known name}`. */
export const getFolder = (deps: GraphMailDeps) => async (c: Context) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'read');
  const all = await deps.store.folders(mailbox.address);
  const path = resolveFolder(mailbox.address, all, c.req.param('folder')!);
  if (path === ROOT_PATH)
    return c.json({ '@odata.context': contextUrl('mailFolder/$entity'), ...rootJson(mailbox.address, all) });
  const folder = all.find((f) => f.path === path);
  if (!folder) throw notFound();
  return c.json({
    '@odata.context': contextUrl('mailFolder/$entity'),
    ...folderJson(mailbox.address, folder, all),
  });
};

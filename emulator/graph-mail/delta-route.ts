import type { Context } from 'hono';
import { mailTarget, takeFault } from './caller.ts';
import {
  changesBetween,
  type DeltaChange,
  type DeltaQuery,
  type DeltaRound,
  saveBase,
  saveRoundPage,
} from './delta-store.ts';
import type { GraphMailDeps } from './deps.ts';
import { GraphError } from './errors.ts';
import { resolveMessageFolder } from './folders.ts';
import { messageId } from './ids.ts';
import { messageJson, selectOf } from './message-json.ts';
import { contextUrl, linkTo } from './paging.ts';
import { appliedHeader, type Preferences, preferences } from './prefer.ts';

const MESSAGE_TYPE = '#microsoft.graph.message';

/** Real Outlook's answer to an expired or unknown token (graph-mail-spec.md §4, microsoft-graph-docs#2350). */
const syncStateNotFound = (deps: GraphMailDeps, c: Context): GraphError => {
  const headers: Record<string, string> = deps.state.settings.deltaGoneLocation
    ? { Location: linkTo(c, {}) }
    : {};
  return new GraphError(
    410,
    'SyncStateNotFound',
    'The sync state generation is not found; generation=149;[highest=157][157][155][156].',
    headers,
  );
};

/** Reads the first request's options; links carry them afterwards (`$search` is not available on delta). */
const firstQuery = (c: Context, prefs: Preferences): DeltaQuery => {
  if (c.req.query('$search') !== undefined)
    throw new GraphError(
      400,
      'ErrorInvalidRequest',
      'The query parameter $search is not supported with delta.',
    );
  const top = c.req.query('$top');
  const pageSize = prefs.maxPageSize ?? (top && /^\d+$/.test(top) ? Number(top) : null);
  return { select: selectOf(c.req.query('$select')), pageSize };
};

/** Starts a round: everything (no token) or what changed since `$deltatoken`. */
const startRound = async (
  deps: GraphMailDeps,
  c: Context,
  mailbox: string,
  folder: string,
  prefs: Preferences,
) => {
  const deltaToken = c.req.query('$deltatoken');
  const base = deltaToken === undefined ? null : deps.state.delta.bases.get(deltaToken);
  if (deltaToken !== undefined && (!base || base.mailbox !== mailbox || base.folder !== folder))
    throw syncStateNotFound(deps, c);
  const now = await deps.store.snapshot(mailbox, folder);
  const round: DeltaRound = {
    mailbox,
    folder,
    query: base ? base.query : firstQuery(c, prefs),
    seen: now,
    changes: changesBetween(base ? base.seen : null, now),
    uidValidity: now.uidValidity,
  };
  return { round, offset: 0 };
};

const continueRound = (
  deps: GraphMailDeps,
  c: Context,
  mailbox: string,
  folder: string,
  skipToken: string,
) => {
  const page = deps.state.delta.rounds.get(skipToken);
  if (!page || page.round.mailbox !== mailbox || page.round.folder !== folder)
    throw syncStateNotFound(deps, c);
  return page;
};

const renderChanges = async (
  deps: GraphMailDeps,
  round: DeltaRound,
  changes: readonly DeltaChange[],
  prefs: Preferences,
) => {
  const { mailbox, folder, uidValidity } = round;
  const present = changes.flatMap((ch) => (ch.kind === 'present' ? [ch.uid] : []));
  const messages = new Map(
    (await deps.store.messages(mailbox, folder, uidValidity, present)).map((m) => [m.uid, m]),
  );
  const value: Record<string, unknown>[] = [];
  for (const change of changes) {
    if (change.kind === 'removed') {
      const location = { mailbox, folder, uidValidity: change.uidValidity, uid: change.uid };
      value.push({
        '@odata.type': MESSAGE_TYPE,
        id: messageId(deps.state.aliases, location, prefs.idType),
        '@removed': { reason: 'deleted' },
      });
      continue;
    }
    // Gone since the round began: the next round reports it removed.
    const message = messages.get(change.uid);
    if (!message) continue;
    const json = await messageJson(message, {
      aliases: deps.state.aliases,
      idType: prefs.idType,
      select: round.query.select,
      textBody: prefs.textBody,
    });
    value.push({ '@odata.type': MESSAGE_TYPE, ...json });
  }
  return value;
};

/**
 * `GET …/mailFolders/{id}/messages/delta` (graph-mail-spec.md §4): pages with `@odata.nextLink` (`$skiptoken`)
 * until the round's changes are out, then one `@odata.deltaLink` (`$deltatoken`) for the next round. Changes
 * are found by comparing the folder's UIDs and flags with the state the token recorded, so deliveries, moves
 * and flag changes made over IMAP or SMTP show up as well as Graph's own.
 */
export const messagesDelta = (deps: GraphMailDeps) => async (c: Context) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'read');
  const folders = await deps.store.folders(mailbox.address);
  const folder = resolveMessageFolder(mailbox.address, folders, c.req.param('folder')!);
  const prefs = preferences(c);
  const skipToken = c.req.query('$skiptoken');
  const { round, offset } =
    skipToken === undefined
      ? await startRound(deps, c, mailbox.address, folder, prefs)
      : continueRound(deps, c, mailbox.address, folder, skipToken);
  const size = Math.min(prefs.maxPageSize ?? round.query.pageSize ?? deps.state.settings.deltaPageSize, 1000);
  const slice = round.changes.slice(offset, offset + size);
  const rendered = await renderChanges(deps, round, slice, prefs);
  const replayed = takeFault(deps.state, mailbox.address, 'replay')
    ? rendered.filter((item) => !('@removed' in item))
    : [];
  const value = [...rendered, ...replayed];
  const body: Record<string, unknown> = { '@odata.context': contextUrl('Collection(message)'), value };
  if (offset + size < round.changes.length) {
    body['@odata.nextLink'] = linkTo(c, {
      $skiptoken: saveRoundPage(deps.state.delta, round, offset + size),
    });
  } else {
    const base = { mailbox: round.mailbox, folder: round.folder, query: round.query, seen: round.seen };
    body['@odata.deltaLink'] = linkTo(c, { $deltatoken: saveBase(deps.state.delta, base) });
  }
  return c.json(body, 200, appliedHeader(prefs));
};

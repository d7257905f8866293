import type { Context } from 'hono';
import { GraphError } from './errors.ts';

/** Query options the emulator does not evaluate: refused, so no client takes an unfiltered answer for a filtered one. */
const UNSUPPORTED = ['$filter', '$search', '$orderby', '$expand'] as const;

/**
 * The one `$filter` the emulator evaluates, the one a client uses to find a sent copy:
 * `internetMessageId eq '<id@host>'` (quotes doubled inside, as OData writes them). Null when absent.
 */
export const internetMessageIdFilter = (c: Context): string | null => {
  const filter = c.req.query('$filter');
  if (filter === undefined) return null;
  const match = filter.length <= 1000 ? /^internetMessageId eq '((?:[^']|'')*)'$/.exec(filter.trim()) : null;
  if (!match)
    throw new GraphError(
      400,
      'ErrorInvalidRequest',
      `The query option $filter is supported by the emulator only as internetMessageId eq '<id>'.`,
    );
  return match[1]!.replaceAll("''", "'");
};

/** `$top` (1–1000, default 10) and `$skip` of a list request (graph-mail-spec.md §3). */
export const pageOf = (c: Context, options: { filterable?: boolean } = {}): { top: number; skip: number } => {
  for (const option of UNSUPPORTED)
    if (c.req.query(option) !== undefined && !(option === '$filter' && options.filterable))
      throw new GraphError(
        400,
        'ErrorInvalidRequest',
        `The query option ${option} is not supported by the emulator.`,
      );
  const top = c.req.query('$top');
  const skip = c.req.query('$skip');
  const topValue = top === undefined ? 10 : Number(top);
  const skipValue = skip === undefined ? 0 : Number(skip);
  if (!Number.isInteger(topValue) || topValue < 1 || topValue > 1000)
    throw new GraphError(
      400,
      'ErrorInvalidRequest',
      `Invalid value '${top}' for $top: it must be between 1 and 1000.`,
    );
  if (!Number.isInteger(skipValue) || skipValue < 0)
    throw new GraphError(400, 'ErrorInvalidRequest', `Invalid value '${skip}' for $skip.`);
  return { top: topValue, skip: skipValue };
};

/** This request's URL with its query options replaced: how `@odata.nextLink`s and delta links are written. */
export const linkTo = (c: Context, options: Record<string, string | undefined>): string => {
  const query = Object.entries(options)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return `${new URL(c.req.url).origin}${c.req.path}${query ? `?${query}` : ''}`;
};

/** `@odata.context` of a collection under the addressed mailbox. */
export const contextUrl = (entity: string): string => `https://graph.microsoft.com/v1.0/$metadata#${entity}`;

import { z } from 'zod';
import type { GraphErrorContext } from './graph-advice.ts';
import type { GraphClient } from './graph-client.ts';
import { GraphError } from './graph-error.ts';

/** A Graph collection page (§2, §3): `value` and, while there is more, `@odata.nextLink`. */
const pageSchema = z.looseObject({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
  '@odata.deltaLink': z.string().optional(),
});

export type CollectionPage = z.infer<typeof pageSchema>;

/** Checks an answer is a collection page (STYLE.md 8); anything else is Graph misbehaving. */
export const collectionPage = (json: unknown, context: GraphErrorContext): CollectionPage => {
  const parsed = pageSchema.safeParse(json);
  if (!parsed.success) throw new GraphError('graph.protocol', {}, context, { cause: parsed.error });
  return parsed.data;
};

/** Checks one item with `schema`; a malformed item is Graph misbehaving, not something to skip silently. */
export const parseItem = <T>(schema: z.ZodType<T>, item: unknown, context: GraphErrorContext): T => {
  const parsed = schema.safeParse(item);
  if (!parsed.success) throw new GraphError('graph.protocol', {}, context, { cause: parsed.error });
  return parsed.data;
};

/**
 * Every item of a collection, following `@odata.nextLink` verbatim (§3: it carries `$skip`; not parsed), at
 * most `maxItems` (a loop of links ends as a protocol error rather than running forever).
 */
export const readCollection = async <T>(
  client: GraphClient,
  first: { path: string; query?: Record<string, string> },
  schema: z.ZodType<T>,
  options: { context: GraphErrorContext; signal?: AbortSignal; maxItems: number },
): Promise<T[]> => {
  const items: T[] = [];
  let next: { path: string; query?: Record<string, string> } | null = first;
  while (next) {
    const answer = await client.request({
      method: 'GET',
      ...next,
      read: 'json',
      context: options.context,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const page = collectionPage(answer.json, options.context);
    for (const item of page.value) items.push(parseItem(schema, item, options.context));
    if (items.length > options.maxItems) throw new GraphError('graph.protocol', {}, options.context);
    next = page['@odata.nextLink'] ? { path: page['@odata.nextLink'] } : null;
  }
  return items;
};

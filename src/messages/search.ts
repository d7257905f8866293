import { type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { type Db, dbKind } from '../db/database.ts';
import type { Database } from '../db/schema.ts';

/** At most this many words of a query count; more narrow nothing a person would notice. */
const MAX_WORDS = 16;

/** The longest query the API and the mail page accept. */
export const MAX_QUERY_LENGTH = 500;

/** The words of a query: runs of letters and digits, lower case (what both indexes store). */
export const searchWords = (query: string): string[] =>
  query
    .slice(0, MAX_QUERY_LENGTH)
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
    .slice(0, MAX_WORDS);

/**
 * Messages (as `m`) whose subject, people or text hold every word of `query`, each word as the start of
 * one: `zoe@fab` finds `Zoë <zoe@fabrikam.test>`. Served by the full-text index of either database
 * (migration 0006), never a scan; a query without a word finds nothing.
 */
export const matchesSearch = (db: Db, query: string) => {
  const words = searchWords(query);
  const postgres = dbKind(db) === 'postgres';
  return (_eb: ExpressionBuilder<Database & { m: Database['messages'] }, 'm'>) => {
    if (words.length === 0) return sql<SqlBool>`1 = 0`;
    // Words hold letters and digits only: nothing in them is syntax to FTS5 or to_tsquery.
    if (postgres)
      return sql<SqlBool>`m.search @@ to_tsquery('simple', ${words.map((w) => `${w}:*`).join(' & ')})`;
    const match = words.map((w) => `"${w}"*`).join(' ');
    return sql<SqlBool>`m.id in (select s.message_id from message_search s where s.rowid in (select rowid from messages_fts where messages_fts match ${match}))`;
  };
};

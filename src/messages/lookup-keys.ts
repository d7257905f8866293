import { hash } from 'node:crypto';

/**
 * A compact key for looking a message up by a value that is random within its mailbox — its thread
 * (`thread_key`) or its Message-ID (`message_key`): 52 bits of a SHA-256 of the mailbox and the value, a safe
 * integer in JavaScript and a bigint in PostgreSQL. The index on it holds ~15 bytes an entry instead of the
 * mailbox's id and the value (~70–100), so a listing batch of random keys rewrites a fifth as many of its
 * pages at each commit (issue 12: the two text indexes were ~10 % of the listing's store on SQLite).
 * A key is never an identity: every look-up by key also compares the mailbox and the value themselves, so
 * two values sharing a key only cost a row read.
 */
export const lookupKey = (mailboxId: string, value: string): number =>
  Number.parseInt(hash('sha256', `${mailboxId}\u0000${value}`, 'hex').slice(0, 13), 16);

/**
 * `lookupKey` in PostgreSQL's SQL, of two text columns (or expressions): the same 52 bits of the same
 * SHA-256 of the same UTF-8 bytes. Lets a migration key a large table in one statement.
 */
export const lookupKeySql = (mailboxColumn: string, valueColumn: string): string =>
  `('x' || substr(encode(sha256(convert_to(${mailboxColumn}, 'UTF8') || '\\x00'::bytea || ` +
  `convert_to(${valueColumn}, 'UTF8')), 'hex'), 1, 13))::bit(52)::bigint`;

/** `message_key` of a message: null when it has no Message-ID. */
export const messageKey = (mailboxId: string, messageId: string | null): number | null =>
  messageId === null ? null : lookupKey(mailboxId, messageId);

import { hash } from 'node:crypto';

/**
 * A compact key for looking a message up by a value that is random within its mailbox — its thread
 * (`thread_key`) or its Message-ID (`message_key`): 52 bits of a SHA-256 of the mailbox and the value, a safe
 * integer in JavaScript and a bigint in PostgreSQL. Its index holds a small integer an entry instead of the
 * mailbox's id and the value, so it has a fifth of the pages for a listing batch of random values to rewrite
 * at each commit (20,000 messages on SQLite: 21 pages for each key index against 101 and 104 for the text
 * ones, dbstat; the text indexes had been ~10 % of the listing's store).
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

/** A message row's two key columns, derived from its mailbox, thread and Message-ID (null: no key). */
export const keyColumns = (
  mailboxId: string,
  threadId: string,
  messageId: string | null,
): { thread_key: number; message_key: number | null } => ({
  thread_key: lookupKey(mailboxId, threadId),
  message_key: messageId === null ? null : lookupKey(mailboxId, messageId),
});

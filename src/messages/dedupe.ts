import { createHash } from 'node:crypto';

/**
 * The key that makes a message once per mailbox (the `messages_mailbox_dedupe` constraint): the same
 * message in Inbox and Archive, or fetched twice, is one row with two locations. Message-IDs compare
 * without brackets and case (RFC 5322 §3.6.4 makes them unique per message); a message without one is
 * known by the SHA-256 of its source, so only byte-identical copies merge.
 */
export const dedupeKey = (messageId: string | null, source: Buffer): string => {
  const normalised = messageId === null ? '' : normaliseMessageId(messageId);
  return normalised ? `mid:${normalised}` : `sha256:${createHash('sha256').update(source).digest('hex')}`;
};

/**
 * `<Abc@Example.COM>` → `abc@example.com`. Brackets are counted off in a loop: `/>+$/` is quadratic on
 * a header of `>` that do not end it.
 */
export const normaliseMessageId = (messageId: string): string => {
  const value = messageId.trim();
  let start = 0;
  let end = value.length;
  while (start < end && value[start] === '<') start++;
  while (end > start && value[end - 1] === '>') end--;
  return value.slice(start, end).trim().toLowerCase();
};

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

/** `<Abc@Example.COM>` → `abc@example.com`. */
export const normaliseMessageId = (messageId: string): string =>
  messageId
    .trim()
    .replace(/^<+|>+$/g, '')
    .trim()
    .toLowerCase();

import { collectionPage, parseItem } from './collection.ts';
import type { GraphClient } from './graph-client.ts';
import { LISTING_SELECT, type ListedMessage, messageSchema, toListedMessage } from './listed-message.ts';
import { mailboxRoot } from './mailbox-path.ts';

/** `<id@host>` whether or not the caller wrote the brackets (Graph's internetMessageId keeps them, §3). */
const bracketed = (messageId: string): string => {
  const bare = messageId.trim().replace(/^<|>$/g, '');
  return `<${bare}>`;
};

/** An OData string literal: single quotes doubled (OData ABNF `SQUOTE-in-string`). */
const odataString = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * The copy of a sent message in Sent Items, found by its Message-ID as with IMAP, or null when it is not
 * there (yet: Graph files it after accepting the send, so callers ask again later).
 */
export const findSentCopy = async (
  client: GraphClient,
  mailbox: string,
  messageId: string,
  options: { readonly signal?: AbortSignal } = {},
): Promise<ListedMessage | null> => {
  const context = { mailbox, permission: 'Mail.Read' as const };
  const answer = await client.request({
    method: 'GET',
    path: `${mailboxRoot(mailbox)}/mailFolders/sentitems/messages`,
    query: {
      $filter: `internetMessageId eq ${odataString(bracketed(messageId))}`,
      $select: LISTING_SELECT,
      $top: '2',
    },
    read: 'json',
    context,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Checked again here: a server that ignored the filter must not make another message the sent copy.
  const wanted = bracketed(messageId);
  const copies = collectionPage(answer.json, context).value.map((item) =>
    toListedMessage(parseItem(messageSchema, item, context)),
  );
  return copies.find((m) => m.internetMessageId === wanted) ?? null;
};

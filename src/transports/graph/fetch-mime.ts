import type { GraphClient } from './graph-client.ts';
import { mailboxRoot, segment } from './mailbox-path.ts';

export interface FetchMimeOptions {
  /** A message larger than this is not read (`graph.too_large`); Exchange's tenant ceiling is 150 MB (§5). */
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
  /** For the whole download; large messages need longer than a JSON call. */
  readonly timeoutMs?: number;
}

/**
 * A message's raw RFC 822 bytes from `GET …/messages/{id}/$value` (§3, `text/plain`), read as a stream and
 * cut off as soon as it passes `maxBytes`, so a huge message never sits in memory whole.
 */
export const fetchMime = async (
  client: GraphClient,
  mailbox: string,
  messageId: string,
  options: FetchMimeOptions,
): Promise<Buffer> => {
  const answer = await client.request({
    method: 'GET',
    path: `${mailboxRoot(mailbox)}/messages/${segment(messageId)}/$value`,
    read: { maxBytes: options.maxBytes },
    context: { mailbox, permission: 'Mail.Read' },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  return answer.bytes ?? Buffer.alloc(0);
};

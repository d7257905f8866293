import type { GraphClient } from './graph-client.ts';
import type { FlagStatus } from './listed-message.ts';
import { mailboxRoot, segment } from './mailbox-path.ts';

export interface FlagChange {
  /** `\Seen`: Graph's `isRead`. */
  readonly seen?: boolean;
  /** `\Flagged`: `flag.flagStatus` flagged or notFlagged; `complete` kept as Graph's third state. */
  readonly flagged?: boolean | FlagStatus;
}

/** `PATCH …/messages/{id}` with `isRead` and/or `flag.flagStatus` (§3); nothing to change sends nothing. */
export const setFlags = async (
  client: GraphClient,
  mailbox: string,
  messageId: string,
  change: FlagChange,
  options: { readonly signal?: AbortSignal } = {},
): Promise<void> => {
  const body: Record<string, unknown> = {};
  if (change.seen !== undefined) body.isRead = change.seen;
  if (change.flagged !== undefined) {
    const flagStatus =
      typeof change.flagged === 'string' ? change.flagged : change.flagged ? 'flagged' : 'notFlagged';
    body.flag = { flagStatus };
  }
  if (Object.keys(body).length === 0) return;
  await client.request({
    method: 'PATCH',
    path: `${mailboxRoot(mailbox)}/messages/${segment(messageId)}`,
    json: body,
    read: 'none',
    context: { mailbox, permission: 'Mail.ReadWrite' },
    ...(options.signal ? { signal: options.signal } : {}),
  });
};

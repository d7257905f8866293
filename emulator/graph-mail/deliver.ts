import { randomBytes } from 'node:crypto';
import { deliverToFolder } from '../mail/maildir.ts';
import { headerBlock, headerValue } from '../mail/smtp/headers.ts';
import { findMailbox, now, tenantOfDomain } from '../state/directory.ts';
import type { GraphMailDeps } from './deps.ts';
import { GraphError, TEXT } from './errors.ts';
import type { MessageLocation } from './ids.ts';
import type { GraphSentMessage } from './state.ts';

/** Exchange's Sent Items, as the SMTP server files its copies (emulator/mail/dovecot/config.ts). */
const SENT_ITEMS_PATH = 'Sent Items';

export interface Outgoing {
  readonly raw: Buffer;
  readonly from: string;
  readonly recipients: readonly string[];
  readonly saveToSentItems: boolean;
  /** The mailbox whose Sent Items keeps the copy. */
  readonly sentFrom: string;
  readonly via: GraphSentMessage['via'];
}

const headerEnd = (raw: Buffer): number => {
  const crlf = raw.indexOf('\r\n\r\n');
  return crlf >= 0 ? crlf + 2 : Math.max(raw.indexOf('\n\n') + 1, 0);
};

/** Header lines (with their folded continuations) other than `name`, and the rest of the message. */
const withoutHeader = (raw: Buffer, name: string): Buffer => {
  const end = headerEnd(raw);
  const lines = raw.toString('latin1', 0, end).split(/(?<=\n)/);
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    if (/^[ \t]/.test(line) && dropping) continue;
    dropping = line.toLowerCase().startsWith(`${name.toLowerCase()}:`);
    if (!dropping) kept.push(line);
  }
  return Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(end)]);
};

/** Replaces (or adds) one header at the top of the message. */
export const setHeader = (raw: Buffer, name: string, value: string): Buffer =>
  Buffer.concat([Buffer.from(`${name}: ${value}\r\n`), withoutHeader(raw, name)]);

/** Exchange gives a message without Message-ID or Date its own (as the SMTP server does). */
const completed = (deps: GraphMailDeps, raw: Buffer): Buffer => {
  const headers = headerBlock(raw);
  let out = raw;
  if (!headerValue(headers, 'Message-ID'))
    out = setHeader(out, 'Message-ID', `<${randomBytes(12).toString('hex')}@${deps.ctx.mailHost}>`);
  if (!headerValue(headers, 'Date'))
    out = setHeader(out, 'Date', new Date(now(deps.ctx.dir)).toUTCString().replace('GMT', '+0000'));
  return out;
};

/**
 * Sends as Exchange does after `202 Accepted`: each recipient with a mailbox here gets it in their Inbox
 * (as SMTP delivers), anyone outside every emulated tenant is kept in the outbound log, and one copy goes to
 * Sent Items unless `saveToSentItems` is false (returned, so a sent draft's immutable id can follow it).
 * Delivery is done before the 202, so tests need not wait.
 */
export const deliverOutgoing = async (
  deps: GraphMailDeps,
  out: Outgoing,
): Promise<MessageLocation | null> => {
  if (out.recipients.length === 0) throw new GraphError(400, 'ErrorInvalidRecipients', TEXT.noRecipients);
  const raw = completed(deps, out.raw);
  const delivered = withoutHeader(raw, 'Bcc');
  const received = Buffer.from(
    `Received: from graph.microsoft.com by ${deps.ctx.mailHost} with HTTPS; ${new Date(now(deps.ctx.dir)).toUTCString()}\r\n`,
  );
  for (const to of out.recipients) {
    if (findMailbox(deps.ctx.dir, to))
      deliverToFolder(deps.mail.store, to, 'INBOX', Buffer.concat([received, delivered]));
    // A tenant's own domain without such a mailbox would bounce (an NDR, not modelled); elsewhere it leaves.
    else if (!tenantOfDomain(deps.ctx.dir, to.split('@')[1] ?? ''))
      deps.mail.outbound.push({ from: out.from, to, raw: delivered, acceptedAt: Date.now() });
  }
  const sentCopy = out.saveToSentItems
    ? await deps.store.append(out.sentFrom, SENT_ITEMS_PATH, raw, ['\\Seen'])
    : null;
  deps.state.sent.push({
    mailbox: out.sentFrom,
    from: out.from,
    recipients: [...out.recipients],
    via: out.via,
    savedToSentItems: out.saveToSentItems,
    raw,
    sentAt: now(deps.ctx.dir),
  });
  return sentCopy;
};

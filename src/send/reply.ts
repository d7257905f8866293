import type { Message } from '../messages/message.ts';
import type { ParsedAddress } from '../messages/parsed-message.ts';
import { shortDate } from '../reading/mail-pages.tsx';
import type { ComposeMode } from './outgoing.table.ts';

/**
 * What a reply or a forward takes from the message it answers: subject, recipients, threading headers
 * and the quoted original. Pure functions, table-tested (test/app/send-reply.test.ts).
 */

/** `Re: Invoice` once, however many times the thread went back and forth; `Fwd: Re: Invoice` for a forward. */
export const subjectFor = (mode: Exclude<ComposeMode, 'new'>, original: string): string => {
  const subject = original.trim();
  if (mode === 'forward') return /^fwd?\s*:/i.test(subject) ? subject : `Fwd: ${subject}`.trim();
  return /^re\s*:/i.test(subject) ? subject : `Re: ${subject}`.trim();
};

/** RFC 5322 §3.6.4: In-Reply-To is the parent's Message-ID; References the parent's References plus it. */
export const threadingFor = (
  original: Pick<Message, 'messageId' | 'references' | 'inReplyTo'>,
): { inReplyTo: string | null; references: string[] } => {
  if (!original.messageId) return { inReplyTo: null, references: [] };
  const parents =
    original.references.length > 0 ? original.references : original.inReplyTo ? [original.inReplyTo] : [];
  // Long threads: keep the first and the last ones, as RFC 5322 allows trimming the middle.
  const kept = parents.length > 20 ? [parents[0]!, ...parents.slice(-19)] : [...parents];
  return { inReplyTo: original.messageId, references: [...kept, original.messageId] };
};

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

const unique = (list: readonly string[], exclude: readonly string[]): string[] => {
  const out: string[] = [];
  for (const address of list)
    if (!exclude.some((x) => same(x, address)) && !out.some((x) => same(x, address))) out.push(address);
  return out;
};

const addressesOf = (list: readonly ParsedAddress[]): string[] =>
  list.flatMap((a) => (a.address ? [a.address] : []));

/**
 * Who a reply goes to. Reply: the sender (or, when the mailbox sent the original itself, its first
 * recipients). Reply all: that, plus everyone else in To and Cc, never the mailbox itself.
 */
export const replyRecipients = (
  mode: 'reply' | 'reply_all',
  original: Pick<Message, 'from' | 'to' | 'cc'>,
  ownAddress: string,
): { to: string[]; cc: string[] } => {
  const sender = original.from?.address ?? null;
  const fromSelf = sender !== null && same(sender, ownAddress);
  const primary = fromSelf ? addressesOf(original.to) : sender ? [sender] : [];
  const to = unique(primary, [ownAddress]);
  if (mode === 'reply') return { to: fromSelf ? to : to.slice(0, 1), cc: [] };
  const others = fromSelf ? [] : addressesOf(original.to);
  return {
    to: unique([...to, ...others], [ownAddress]),
    cc: unique(addressesOf(original.cc), [ownAddress, ...to, ...others]),
  };
};

const display = (a: ParsedAddress | null): string =>
  !a ? 'an unknown sender' : a.name && a.address ? `${a.name} <${a.address}>` : a.name || a.address || '';

const dateLine = (iso: string): string => `${shortDate(iso)} UTC`;

/** A loop, not `/\n+$/`: that expression is quadratic on a body of new lines that do not end it. */
const withoutTrailingNewLines = (text: string): string => {
  let end = text.length;
  while (end > 0 && text[end - 1] === '\n') end--;
  return text.slice(0, end);
};

type Original = Pick<Message, 'from' | 'to' | 'cc' | 'subject' | 'sentAt' | 'receivedAt' | 'bodyText'>;

/** The original below a reply's text: `On …, … wrote:` and each line behind `> `. */
export const quotedText = (mode: Exclude<ComposeMode, 'new'>, original: Original): string => {
  const body = withoutTrailingNewLines((original.bodyText ?? '').replace(/\r\n/g, '\n'));
  const when = dateLine(original.sentAt ?? original.receivedAt);
  if (mode === 'forward') {
    return [
      '---------- Forwarded message ----------',
      `From: ${display(original.from)}`,
      `Date: ${when}`,
      `Subject: ${original.subject}`,
      `To: ${original.to.map(display).join(', ')}`,
      ...(original.cc.length > 0 ? [`Cc: ${original.cc.map(display).join(', ')}`] : []),
      '',
      body,
    ].join('\n');
  }
  const quoted = body
    .split('\n')
    .map((line) => (line.startsWith('>') ? `>${line}` : `> ${line}`))
    .join('\n');
  return `On ${when}, ${display(original.from)} wrote:\n${quoted}`;
};

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Plain text as HTML paragraphs, line breaks kept. */
export const textToHtml = (text: string): string =>
  text
    .replace(/\r\n/g, '\n')
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('\n');

/**
 * The original below a reply's HTML: its sanitised HTML (or its text) in a blockquote, headed like the
 * text version. `safeHtml` must already be sanitised.
 */
export const quotedHtml = (
  mode: Exclude<ComposeMode, 'new'>,
  original: Original,
  safeHtml: string | null,
): string => {
  const body = safeHtml ?? textToHtml(original.bodyText ?? '');
  const when = escapeHtml(dateLine(original.sentAt ?? original.receivedAt));
  const from = escapeHtml(display(original.from));
  if (mode === 'forward') {
    const header = [
      `From: ${from}`,
      `Date: ${when}`,
      `Subject: ${escapeHtml(original.subject)}`,
      `To: ${escapeHtml(original.to.map(display).join(', '))}`,
    ].join('<br>');
    return `<div>---------- Forwarded message ----------<br>${header}</div><br>\n${body}`;
  }
  return `<div>On ${when}, ${from} wrote:</div>\n<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">${body}</blockquote>`;
};

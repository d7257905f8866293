import type { MessageFlag } from '../maildir.ts';
import type { Person } from './cast.ts';
import { type Entity, encodeWords, mailbox, message, rfc5322Date, textEntity } from './mime.ts';

/** The mailbox the demo mail is written for. */
export interface Owner {
  readonly name: string;
  readonly address: string;
}

/** One message of the demo seed: where it goes, when it arrived, its flags and its bytes. */
export interface DemoMessage {
  readonly folder: 'INBOX' | 'Sent Items';
  readonly receivedAt: Date;
  readonly flags: readonly MessageFlag[];
  readonly raw: Buffer;
}

export interface When {
  /** Hours before the emulator's now. */
  readonly hoursAgo: number;
  readonly flags?: readonly MessageFlag[];
}

/** Read when older than two days, as a person who reads their mail leaves it. */
export const defaultFlags = (hoursAgo: number): MessageFlag[] => (hoursAgo > 48 ? ['\\Seen'] : []);

export interface Letter {
  readonly id: string;
  readonly from: Person | Owner;
  readonly to: readonly (Person | Owner)[];
  readonly cc?: readonly (Person | Owner)[];
  readonly subject: string;
  readonly at: Date;
  readonly zone?: number;
  readonly inReplyTo?: string;
  readonly references?: readonly string[];
  readonly extra?: readonly (readonly [string, string])[];
  readonly body: Entity;
  readonly charset?: 'utf-8' | 'iso-8859-1';
}

const list = (people: readonly (Person | Owner)[], charset: 'utf-8' | 'iso-8859-1') =>
  people.map((p) => mailbox(p.name, p.address, charset)).join(', ');

/** A whole RFC 5322 message from a letter's parts. */
export const writeLetter = (l: Letter): Buffer => {
  const charset = l.charset ?? 'utf-8';
  return message(
    [
      ['From', list([l.from], charset)],
      ['To', list(l.to, charset)],
      ...(l.cc?.length ? [['Cc', list(l.cc, charset)] as const] : []),
      ['Subject', encodeWords(l.subject, charset)],
      ['Date', rfc5322Date(l.at, l.zone ?? ('zone' in l.from ? l.from.zone : 60))],
      ['Message-ID', `<${l.id}>`],
      ...(l.inReplyTo ? [['In-Reply-To', `<${l.inReplyTo}>`] as const] : []),
      ...(l.references?.length
        ? [['References', l.references.map((r) => `<${r}>`).join('\r\n ')] as const]
        : []),
      ...(l.extra ?? []),
    ],
    l.body,
  );
};

/** `text` quoted as a reply quotes it: an attribution line, then each line after `> `. */
export const quote = (who: Person | Owner, at: Date, text: string): string =>
  `On ${at.toUTCString().slice(0, 22)}, ${who.name} <${who.address}> wrote:\n${text
    .split('\n')
    .map((line) => (line.startsWith('>') ? `>${line}` : `> ${line}`))
    .join('\n')}`;

export interface ThreadStep extends When {
  readonly from: Person | Owner;
  readonly text: string;
  readonly charset?: 'utf-8' | 'iso-8859-1';
  readonly attribution?: (who: Person | Owner, at: Date, text: string) => string;
}

/**
 * A conversation: each step replies to the one before (In-Reply-To, References back to the first), quotes
 * it below its own text, and lands in the owner's Sent Items when the owner wrote it, else in the Inbox.
 */
export const thread = (
  owner: Owner,
  key: string,
  subject: string,
  now: number,
  steps: readonly ThreadStep[],
): DemoMessage[] => {
  const ids: string[] = [];
  let previous: { step: ThreadStep; at: Date; text: string } | null = null;
  const out: DemoMessage[] = [];
  steps.forEach((step, i) => {
    const at = new Date(now - step.hoursAgo * 3_600_000);
    const mine = step.from.address === owner.address;
    const host = 'host' in step.from ? step.from.host : 'contoso.example';
    const id = `${key}.${i + 1}.${owner.address.split('@')[0]}@${host}`;
    const text = previous
      ? `${step.text}\n\n${(step.attribution ?? quote)(previous.step.from, previous.at, previous.text)}`
      : step.text;
    const other =
      previous?.step.from ?? steps.find((s) => s.from.address !== step.from.address)?.from ?? owner;
    out.push({
      folder: mine ? 'Sent Items' : 'INBOX',
      receivedAt: at,
      flags: mine ? ['\\Seen'] : (step.flags ?? defaultFlags(step.hoursAgo)),
      raw: writeLetter({
        id,
        from: step.from,
        to: [mine ? other : owner],
        subject: i === 0 ? subject : `${step.charset === 'iso-8859-1' ? 'AW' : 'Re'}: ${subject}`,
        at,
        ...(step.charset ? { charset: step.charset } : {}),
        ...(i > 0 ? { inReplyTo: ids[i - 1]!, references: [...ids] } : {}),
        body: textEntity(text, 'plain', step.charset ?? 'utf-8'),
      }),
    });
    ids.push(id);
    previous = { step, at, text };
  });
  return out;
};

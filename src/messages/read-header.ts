import { isAscii } from 'node:buffer';
import type { HeaderLines } from 'mailparser';
import { parseAddressHeader } from 'mailparser';
import { decodeUnknown } from './decode-text.ts';
import { dateOf, firstMessageId, rawHeader, referencesOf } from './header-fields.ts';
import { type ParsedAddress, toParsedAddresses, withoutNul } from './parsed-message.ts';
import type { ThreadFields } from './threading.ts';

/** What a message is listed with before its body is read: its envelope and what threading needs. */
export interface HeaderFields extends ThreadFields {
  readonly subject: string;
  readonly from: ParsedAddress | null;
  readonly to: readonly ParsedAddress[];
  readonly cc: readonly ParsedAddress[];
  readonly date: Date | null;
}

/** A header block longer than this is read up to it: enough for any envelope a person would read. */
const MAX_HEADER = 64 * 1024;

/** The fields the list and threading read; the rest of the header is left for the full parse. */
const WANTED = new Set(['message-id', 'in-reply-to', 'references', 'subject', 'from', 'to', 'cc', 'date']);
const LONGEST_WANTED = Math.max(...[...WANTED].map((name) => name.length));

/**
 * Reads the envelope of a message from its header block alone (RFC 5322 §2.2: fields up to the first
 * empty line, continuation lines starting with a blank), with the same field readers as the full parse
 * (header-fields.ts, mailparser's address parser), so the thread it is listed in is the one the full
 * parse would pick. A few microseconds for a 4 KB message: the listing path runs it for every message.
 */
export const readHeader = (source: Buffer): HeaderFields => {
  const lines = headerLines(source);
  const addresses = (name: string): ParsedAddress[] => {
    const values: string[] = [];
    for (const l of lines) if (l.key === name) values.push(l.line.slice(l.line.indexOf(':') + 1));
    if (values.length === 0) return [];
    const plain = values.length === 1 ? plainAddresses(values[0]!) : null;
    return plain ?? toParsedAddresses(parseAddressHeader(values));
  };
  return {
    messageId: firstMessageId(rawHeader(lines, 'message-id')),
    inReplyTo: firstMessageId(rawHeader(lines, 'in-reply-to')),
    references: orNone(referencesOf(lines)),
    subject: withoutNul(decodeWords(rawHeader(lines, 'subject') ?? '')),
    from: addresses('from')[0] ?? null,
    to: orNone(addresses('to')),
    cc: orNone(addresses('cc')),
    date: dateOf(lines).date,
  };
};

/**
 * One empty list for every envelope without such a field (most mail has no Cc, a new message no
 * References): the listing holds each envelope until its batch commits, an empty array apiece included.
 */
const NONE: readonly never[] = Object.freeze([]);
const orNone = <T>(list: readonly T[]): readonly T[] => (list.length === 0 ? NONE : list);

/** The wanted fields of the header block as mailparser's `headerLines` would give them. */
export const headerLines = (source: Buffer): HeaderLines => {
  const window = source.subarray(0, MAX_HEADER);
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.subarray(0, crlf >= 0 ? crlf : window.length).indexOf('\n\n');
  const end = lf >= 0 ? lf : crlf >= 0 ? crlf : window.length;
  const bytes = window.subarray(0, end);
  const ascii = isAscii(bytes);
  const text = ascii ? bytes.toString('latin1') : decodeUnknown(bytes).text;
  /**
   * A line of `text` (starting at `at`) as a string of its own. Cut from `text`, it would be a slice that
   * keeps all of `text` alive: every envelope the listing holds until its batch commits would hold its whole
   * header block (a 7 KB block like Exchange Online's, mostly Received, ARC and X-MS-Exchange-… fields:
   * ~10 KB held per envelope instead of ~1.5, test/app/read-header.test.ts).
   */
  const own = (line: string, at: number): string =>
    ascii ? bytes.toString('latin1', at, at + line.length) : Buffer.from(line, 'utf8').toString('utf8');
  const lines: { key: string; line: string }[] = [];
  // The field being read: its key and first line (where it starts in `text`), and its continuation lines.
  let key: string | null = null;
  let first = '';
  let firstAt = 0;
  let more: string[] | null = null;
  /** Emits the field read, as a string of its own: joined (a new string), or its one line copied. */
  const finish = () => {
    if (key !== null) lines.push({ key, line: more ? [first, ...more].join('\r\n') : own(first, firstAt) });
    key = null;
    more = null;
  };
  let next = 0;
  for (const raw of text.split('\n')) {
    const at = next;
    next += raw.length + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const start = line.charCodeAt(0);
    if (start === 0x20 || start === 0x09) {
      if (key !== null) {
        more ??= [];
        more.push(line);
      }
      continue;
    }
    finish();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    // A name longer than the longest wanted one, and not ending in a blank that trimming would take, is not
    // one of them: skipped without a string made of it (most of a header's fields are not wanted).
    if (colon > LONGEST_WANTED && line.charCodeAt(colon - 1) > 0x20 && line.charCodeAt(colon - 1) < 0x7f)
      continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (WANTED.has(name)) {
      key = name;
      first = line;
      firstAt = at;
    }
  }
  finish();
  return lines;
};

/** `a@b.c` or `Name <a@b.c>`: no quotes, comments, groups, encoded words or non-ASCII. */
const PLAIN_ADDRESS =
  /^[ \t]*(?:([A-Za-z0-9.'_-]+(?: [A-Za-z0-9.'_-]+)*)?[ \t]*<([!#-;=?A-~]+@[!#-;=?A-~]+)>|([!#-;=?A-~]+@[!#-;=?A-~]+))[ \t]*$/;
const COMPLEX = /["(),;:\\]|=\?|[^\x20-\x7e]/;

/**
 * The common header, `Name <a@b.c>, c@d.e`, read without the general parser (a third of the time a
 * listing spends on a message); anything else (quotes, comments, groups, encoded words) is left to it.
 */
const plainAddresses = (value: string): ParsedAddress[] | null => {
  const parts = value.replace(/\r?\n/g, '').split(',');
  const found: ParsedAddress[] = [];
  for (const part of parts) {
    if (part.length > 500 || COMPLEX.test(part)) return null;
    const match = PLAIN_ADDRESS.exec(part);
    if (!match) return null;
    found.push({ name: match[1] ?? '', address: match[2] ?? match[3]! });
  }
  return found;
};

/** `=?charset?B|Q?text?=` (RFC 2047 §2), the language suffix of RFC 2231 §5 allowed on the charset. */
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

/**
 * Decodes RFC 2047 encoded words; blanks between two adjacent encoded words are not text (§6.2). A
 * charset Node does not know is read as UTF-8, else latin1.
 */
export const decodeWords = (value: string): string => {
  if (!value.includes('=?')) return value;
  return value
    .replace(/(\?=)[ \t\r\n]+(?==\?)/g, '$1')
    .replace(ENCODED_WORD, (_word, charset: string, encoding: string, text: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9a-fA-F]{2})/g, (_m, hex: string) =>
                  String.fromCharCode(Number.parseInt(hex, 16)),
                ),
              'latin1',
            );
      try {
        return new TextDecoder(charset.toLowerCase()).decode(bytes);
      } catch (error) {
        // A charset the decoder does not know (a RangeError): read as the text's bytes suggest.
        if (!(error instanceof RangeError)) throw error;
        return decodeUnknown(bytes).text;
      }
    });
};

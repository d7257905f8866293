import type { RawResponse } from './response-splitter.ts';

/** What the listing asks of each message (`UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[]<0.n>`). */
export interface FetchedSource {
  readonly uid: number;
  readonly flags: readonly string[];
  readonly internalDate: Date | null;
  /** RFC822.SIZE, null when the server did not send it. */
  readonly size: number | null;
  /** The body section's bytes (up to the asked length), null for NIL. */
  readonly source: Buffer | null;
}

/** `* 12 FETCH (` */
const FETCH_START = /^\* \d+ FETCH \(/i;

/**
 * Reads a `* n FETCH (…)` response that carries a body section (RFC 3501 §7.4.2) into what the listing
 * keeps; any other response (an unsolicited FETCH of flags only, EXISTS, EXPUNGE, BYE, another tag) is
 * null, for its reader to hand on. Items in any order; ones not asked for (MODSEQ, …) are skipped.
 */
export const readFetchResponse = (response: RawResponse): FetchedSource | null => {
  const { text } = response;
  const start = FETCH_START.exec(text);
  if (!start) return null;
  const tokens = new Tokens(text, start[0].length, response.literals);
  let uid: number | null = null;
  let flags: string[] = [];
  let internalDate: Date | null = null;
  let size: number | null = null;
  let source: Buffer | null | undefined;
  for (;;) {
    const name = tokens.next();
    if (name === ')' || name === null) break;
    if (typeof name !== 'string') throw new FetchResponseError('an item name expected', text);
    const item = name.toUpperCase();
    if (item === 'UID') uid = tokens.number(text);
    else if (item === 'RFC822.SIZE') size = tokens.number(text);
    else if (item === 'FLAGS') flags = tokens.list(text);
    else if (item === 'INTERNALDATE') internalDate = parseInternalDate(tokens.string(text));
    else if (item.startsWith('BODY[')) source = tokens.nstring(text);
    else tokens.skipValue(text);
  }
  if (source === undefined) return null;
  if (uid === null) throw new FetchResponseError('no UID in a FETCH response', text);
  return { uid, flags, internalDate, size, source };
};

export class FetchResponseError extends Error {
  override readonly name = 'FetchResponseError';
  constructor(what: string, text: string) {
    super(`${what}: ${text.slice(0, 120).replaceAll('\0', '{literal}')}`);
  }
}

type Token = string | Buffer | '(' | ')' | null;

/**
 * The tokens of a FETCH item list: atoms (a section `BODY[…]<n>` is one atom, spaces inside brackets
 * included), quoted strings (unquoted), literals (their bytes), parentheses; null at the end.
 */
class Tokens {
  private literal = 0;
  constructor(
    private readonly text: string,
    private at: number,
    private readonly literals: readonly Buffer[],
  ) {}

  next(): Token | { quoted: string } {
    const { text } = this;
    while (text[this.at] === ' ' || text[this.at] === '\r' || text[this.at] === '\n') this.at++;
    if (this.at >= text.length) return null;
    const c = text[this.at]!;
    if (c === '(' || c === ')') {
      this.at++;
      return c;
    }
    if (c === '"') return { quoted: this.quoted() };
    if (c === '{') {
      // `{n}\r\n` then the literal, which the splitter left as one NUL.
      const nul = text.indexOf('\0', this.at);
      if (nul < 0) throw new FetchResponseError('a literal announced but missing', text);
      this.at = nul + 1;
      const bytes = this.literals[this.literal++];
      if (!bytes) throw new FetchResponseError('a literal announced but missing', text);
      return bytes;
    }
    const from = this.at;
    let depth = 0;
    for (; this.at < text.length; this.at++) {
      const d = text[this.at]!;
      if (d === '[') depth++;
      else if (d === ']') depth--;
      else if (depth === 0 && (d === ' ' || d === '(' || d === ')' || d === '\r' || d === '\n')) break;
    }
    return text.slice(from, this.at);
  }

  number(text: string): number {
    const token = this.next();
    const value = typeof token === 'string' && /^\d{1,15}$/.test(token) ? Number(token) : Number.NaN;
    if (!Number.isSafeInteger(value)) throw new FetchResponseError('a number expected', text);
    return value;
  }

  string(text: string): string {
    const token = this.next();
    if (token && typeof token === 'object' && 'quoted' in token) return token.quoted;
    if (Buffer.isBuffer(token)) return token.toString('latin1');
    throw new FetchResponseError('a string expected', text);
  }

  /** A literal, a quoted string or NIL. */
  nstring(text: string): Buffer | null {
    const token = this.next();
    if (Buffer.isBuffer(token)) return token;
    if (token && typeof token === 'object' && 'quoted' in token) return Buffer.from(token.quoted, 'latin1');
    if (typeof token === 'string' && token.toUpperCase() === 'NIL') return null;
    throw new FetchResponseError('a body section expected', text);
  }

  /** A parenthesised list of atoms (FLAGS). */
  list(text: string): string[] {
    if (this.next() !== '(') throw new FetchResponseError('a list expected', text);
    const items: string[] = [];
    for (;;) {
      const token = this.next();
      if (token === ')') return items;
      if (typeof token !== 'string' || token === '(') throw new FetchResponseError('a flag expected', text);
      items.push(token);
    }
  }

  /** Any one value, nested lists included. */
  skipValue(text: string): void {
    let depth = 0;
    do {
      const token = this.next();
      if (token === null) throw new FetchResponseError('a value expected', text);
      if (token === '(') depth++;
      else if (token === ')') depth--;
    } while (depth > 0);
  }

  private quoted(): string {
    const { text } = this;
    // Without a backslash (an INTERNALDATE, every response of a listing) the string is one slice: built
    // character by character it was a chain of 26 strings per message.
    const close = text.indexOf('"', this.at + 1);
    const backslash = text.indexOf('\\', this.at + 1);
    if (close >= 0 && (backslash < 0 || backslash > close)) {
      const out = text.slice(this.at + 1, close);
      this.at = close + 1;
      return out;
    }
    let out = '';
    for (this.at++; this.at < text.length; this.at++) {
      const c = text[this.at]!;
      if (c === '"') {
        this.at++;
        return out;
      }
      if (c === '\\') this.at++;
      out += text[this.at] ?? '';
    }
    throw new FetchResponseError('an unterminated string', text);
  }
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
/** ` 3-Dec-2026 10:00:00 +0000` (RFC 3501 date-time). */
const INTERNALDATE = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** An INTERNALDATE as a Date, or null when it is not one (the listing then has none). */
export const parseInternalDate = (value: string): Date | null => {
  const m = INTERNALDATE.exec(value);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!.toUpperCase());
  if (month < 0) return null;
  const offsetMinutes = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9]));
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const date = new Date(utc - offsetMinutes * 60_000);
  return Number.isNaN(date.getTime()) ? null : date;
};

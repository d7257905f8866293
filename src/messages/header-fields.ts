import type { HeaderLines } from 'mailparser';

/**
 * Identifying headers read from the raw header lines rather than from mailparser's values, which wrap
 * whatever they find in brackets: `<a@b>,<c@d>` (no space) became one reference and
 * `<x@y> (comment)` the Message-ID `<x@y> (comment)>`.
 */

/** The unfolded value of the first `name` header (RFC 5322 §2.2.3), or null. */
export const rawHeader = (lines: HeaderLines, name: string): string | null => {
  const found = lines.find((l) => l.key === name);
  if (!found) return null;
  const value = found.line.slice(found.line.indexOf(':') + 1);
  // Most fields are one line: no regex run for them (the listing reads every message's envelope).
  return (value.includes('\n') ? value.replace(/\r?\n(?=[ \t])/g, '') : value).trim();
};

/** Every `<id>` in a References or In-Reply-To value (RFC 5322 §3.6.4), without brackets. */
export const messageIdsIn = (value: string | null): string[] => {
  const ids: string[] = [];
  if (!value?.includes('<')) return ids;
  const bracketed = /<([^<>\s]+)>/g;
  for (let m = bracketed.exec(value); m; m = bracketed.exec(value)) ids.push(m[1]!);
  return ids;
};

/**
 * A Message-ID without brackets: the first `<id>`, else a bare `local@domain` (some senders leave
 * the brackets out), else null.
 */
export const firstMessageId = (value: string | null): string | null => {
  const [bracketed] = messageIdsIn(value);
  if (bracketed) return bracketed;
  const bare = value?.trim() ?? '';
  return /^[^\s<>@]+@[^\s<>@]+$/.test(bare) ? bare : null;
};

/** References, oldest first, each once; a bare In-Reply-To id is not a reference list. */
export const referencesOf = (lines: HeaderLines): string[] => [
  ...new Set(lines.filter((l) => l.key === 'references').flatMap((l) => messageIdsIn(l.line))),
];

/**
 * Longer than any date with its comment (`Tue, 1 Jul 2003 10:52:37 +0200 (CEST)`): not read, since
 * removing comments is quadratic on a header of unclosed `(`.
 */
const MAX_DATE = 200;

/**
 * The Date header, or null when it is missing or unreadable: mailparser would say "now", which would
 * date an old message today.
 */
export const dateOf = (lines: HeaderLines): { date: Date | null; unreadable: string | null } => {
  const value = rawHeader(lines, 'date');
  if (value === null) return { date: null, unreadable: null };
  if (value.length > MAX_DATE) return { date: null, unreadable: value.slice(0, MAX_DATE) };
  const date = new Date(value.includes('(') ? value.replace(/\([^)]*\)/g, '').trim() : value);
  return Number.isNaN(date.getTime()) ? { date: null, unreadable: value } : { date, unreadable: null };
};

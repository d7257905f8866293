/**
 * A heading's anchor as GitHub names it (and Mailroom's /docs pages too): lower case, punctuation other
 * than `-` and `_` dropped, spaces as `-`. `AADSTS50173` → `aadsts50173`, `imap.auth_failed` →
 * `imapauth_failed`.
 */
export const headingAnchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** The anchors of a Markdown file's headings, in order; repeated ones get `-1`, `-2` as on GitHub. */
export const anchorsOf = (markdown: string): string[] => {
  const seen = new Map<string, number>();
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (!heading) continue;
    const base = headingAnchor(heading[1]!.replace(/[`*]/g, ''));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.push(n === 0 ? base : `${base}-${n}`);
  }
  return out;
};

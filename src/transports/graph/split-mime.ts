/**
 * Splits a prepared RFC 5322 message whose top level is `multipart/mixed` (RFC 2046 §5.1) into the message
 * without some of its attachment parts — same header block, same boundary, every other byte untouched, so
 * Message-ID, In-Reply-To and References survive — and those parts as they were. Only the top level is
 * split: an attachment is a direct part of the mixed body (nodemailer's layout: text/alternative first,
 * then one part per file).
 */
export interface MimePart {
  /** The part as it stood between two delimiter lines: its own header block and encoded body. */
  readonly raw: Buffer;
  /** The part's header block, unfolded, names lower-cased. */
  readonly headers: ReadonlyMap<string, string>;
}

export interface MimeLayout {
  readonly head: Buffer;
  /** From the header block's end through the first delimiter line (the preamble). */
  readonly preamble: Buffer;
  readonly parts: readonly MimePart[];
  /** The close delimiter and epilogue. */
  readonly tail: Buffer;
  readonly boundary: string;
  readonly newline: '\r\n' | '\n';
}

const headerEnd = (source: Buffer): { end: number; newline: '\r\n' | '\n' } | null => {
  const crlf = source.indexOf('\r\n\r\n');
  const lf = source.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { end: crlf + 4, newline: '\r\n' };
  return lf >= 0 ? { end: lf + 2, newline: '\n' } : null;
};

/** Header fields, unfolded (RFC 5322 §2.2.3); only the first of a repeated field is kept. */
export const readHeaders = (block: string): Map<string, string> => {
  const fields = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(name)) fields.set(name, line.slice(colon + 1).trim());
  }
  return fields;
};

/** `multipart/mixed; boundary="--_NmP-abc"` → `--_NmP-abc` (RFC 2046 §5.1.1: 1–70 characters). */
export const boundaryOf = (contentType: string): string | null => {
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? null) : null;
};

/** The layout of a `multipart/mixed` message, or null for anything else (then it is sent as it is). */
export const splitMixed = (source: Buffer): MimeLayout | null => {
  const top = headerEnd(source);
  if (!top) return null;
  const head = source.subarray(0, top.end);
  const contentType = readHeaders(head.toString('latin1')).get('content-type') ?? '';
  if (!/^multipart\/mixed\b/i.test(contentType)) return null;
  const boundary = boundaryOf(contentType);
  if (!boundary) return null;
  const { newline } = top;
  const delimiter = Buffer.from(`${newline}--${boundary}`);
  // The first delimiter may follow the header block directly (no preamble): look from just before it.
  let at = source.indexOf(delimiter, top.end - newline.length);
  if (at < 0) return null;
  const preambleEnd = source.indexOf(newline, at + delimiter.length) + newline.length;
  if (preambleEnd < newline.length) return null;
  const preamble = source.subarray(top.end, preambleEnd);
  const parts: MimePart[] = [];
  let start = preambleEnd;
  for (;;) {
    at = source.indexOf(delimiter, start);
    if (at < 0) return null;
    const raw = source.subarray(start, at);
    const partHead = headerEnd(raw);
    parts.push({
      raw,
      headers: readHeaders(raw.subarray(0, partHead?.end ?? raw.length).toString('latin1')),
    });
    const after = source.subarray(at + delimiter.length, at + delimiter.length + 2).toString('latin1');
    if (after === '--') return { head, preamble, parts, tail: source.subarray(at), boundary, newline };
    const next = source.indexOf(newline, at + delimiter.length);
    if (next < 0) return null;
    start = next + newline.length;
  }
};

/** The message again with only `keep` of its parts, byte for byte otherwise. */
export const joinMixed = (layout: MimeLayout, keep: readonly MimePart[]): Buffer => {
  const delimiter = Buffer.from(`${layout.newline}--${layout.boundary}${layout.newline}`);
  const chunks: Buffer[] = [layout.head, layout.preamble];
  keep.forEach((part, i) => {
    chunks.push(part.raw);
    if (i < keep.length - 1) chunks.push(delimiter);
  });
  chunks.push(layout.tail);
  return Buffer.concat(chunks);
};

/** A part is a file when it says so (RFC 2183 `attachment`), or names a file (`filename`, `name`). */
export const isAttachmentPart = (part: MimePart): boolean => {
  const disposition = part.headers.get('content-disposition') ?? '';
  if (/^attachment\b/i.test(disposition)) return true;
  if (/^multipart\//i.test(part.headers.get('content-type') ?? '')) return false;
  return (
    /\bfilename\*?\d*\*?\s*=/i.test(disposition) ||
    /;\s*name\*?\d*\*?\s*=/i.test(part.headers.get('content-type') ?? '')
  );
};

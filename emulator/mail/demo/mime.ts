// A small MIME writer for the demo mail: every message it makes is 7-bit ASCII on the wire, its non-ASCII
// text carried by RFC 2047 encoded-words in headers and quoted-printable or base64 in bodies (RFC 2045).

export type Charset = 'utf-8' | 'iso-8859-1';

const bytesOf = (text: string, charset: Charset): Buffer =>
  Buffer.from(text, charset === 'utf-8' ? 'utf8' : 'latin1');

const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);

/**
 * A header value's text as RFC 2047 encoded-words where it is not plain ASCII: `Q` for Latin-1, `B` for
 * UTF-8, each word at most 75 characters and never splitting a character (§5, §6).
 */
export const encodeWords = (text: string, charset: Charset = 'utf-8'): string => {
  if (isAscii(text)) return text;
  const words: string[] = [];
  let chunk = '';
  const encode = (s: string) =>
    charset === 'utf-8'
      ? `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`
      : `=?ISO-8859-1?Q?${[...bytesOf(s, charset)]
          .map((b) =>
            b === 0x20
              ? '_'
              : /[A-Za-z0-9!*+\-/]/.test(String.fromCharCode(b))
                ? String.fromCharCode(b)
                : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
          )
          .join('')}?=`;
  for (const ch of text) {
    if (encode(chunk + ch).length > 75) {
      words.push(encode(chunk));
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(encode(chunk));
  return words.join('\r\n ');
};

/** `Name <address>`, the name quoted or encoded as it needs. */
export const mailbox = (name: string, address: string, charset: Charset = 'utf-8'): string =>
  !isAscii(name)
    ? `${encodeWords(name, charset)} <${address}>`
    : /[()<>@,;:\\".[\]]/.test(name)
      ? `"${name.replace(/["\\]/g, '\\$&')}" <${address}>`
      : `${name} <${address}>`;

/** Quoted-printable (RFC 2045 §6.7): line breaks stay hard breaks, lines soft-broken before 76 characters. */
export const quotedPrintable = (text: string, charset: Charset): string =>
  text
    .split(/\r?\n/)
    .map((line) => {
      const bytes = [...bytesOf(line, charset)];
      let out = '';
      let width = 0;
      bytes.forEach((b, i) => {
        const last = i === bytes.length - 1;
        const plain = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
        const token = plain ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
        if (width + token.length > 75) {
          out += '=\r\n';
          width = 0;
        }
        out += token;
        width += token.length;
      });
      return out;
    })
    .join('\r\n');

/** Base64 in lines of 76 characters. */
export const base64Lines = (bytes: Buffer): string =>
  (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');

/** One MIME entity: its header fields and its already-encoded body. */
export interface Entity {
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

/** Text in a charset: plain ASCII as 7bit, anything else quoted-printable. */
export const textEntity = (
  text: string,
  subtype: 'plain' | 'html' = 'plain',
  charset: Charset = 'utf-8',
): Entity => {
  const crlf = text.replace(/\r?\n/g, '\r\n');
  const ascii = isAscii(text) && crlf.split('\r\n').every((l) => l.length <= 900);
  return {
    headers: [
      ['Content-Type', `text/${subtype}; charset=${ascii ? 'us-ascii' : charset}`],
      ['Content-Transfer-Encoding', ascii ? '7bit' : 'quoted-printable'],
    ],
    body: ascii ? crlf : quotedPrintable(text, charset),
  };
};

/** Text as base64, as mail in UTF-8 from East Asia often travels. */
export const base64TextEntity = (text: string, subtype: 'plain' | 'html' = 'plain'): Entity => ({
  headers: [
    ['Content-Type', `text/${subtype}; charset=utf-8`],
    ['Content-Transfer-Encoding', 'base64'],
  ],
  body: base64Lines(Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8')),
});

/** A file: an attachment, or an inline picture the HTML names by `cid:`. */
export const fileEntity = (
  file: { readonly name: string; readonly type: string; readonly bytes: Buffer },
  inline?: { readonly contentId: string },
): Entity => ({
  headers: [
    ['Content-Type', `${file.type}; name="${file.name}"`],
    ['Content-Transfer-Encoding', 'base64'],
    ['Content-Disposition', `${inline ? 'inline' : 'attachment'}; filename="${file.name}"`],
    ...(inline ? [['Content-ID', `<${inline.contentId}>`] as const] : []),
  ],
  body: base64Lines(file.bytes),
});

/** A multipart entity; boundaries are fixed by the caller, so the same seed writes the same bytes. */
export const multipart = (
  subtype: 'mixed' | 'alternative' | 'related',
  boundary: string,
  parts: readonly Entity[],
  extra = '',
): Entity => ({
  headers: [['Content-Type', `multipart/${subtype}; boundary="${boundary}"${extra}`]],
  body: [
    'This is a multi-part message in MIME format.',
    ...parts.map((p) => `--${boundary}\r\n${render(p)}`),
    `--${boundary}--`,
    '',
  ].join('\r\n'),
});

const render = (e: Entity): string =>
  `${e.headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${e.body}`;

/** RFC 5322 date with the sender's zone offset, e.g. `Tue, 03 Nov 2026 09:14:00 +0100`. */
export const rfc5322Date = (at: Date, offsetMinutes = 0): string => {
  const local = new Date(at.getTime() + offsetMinutes * 60_000);
  const [day, date, month, year, time] = local.toUTCString().replace(',', '').split(' ');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${day}, ${date} ${month} ${year} ${time} ${zone}`;
};

/** The whole message: top-level fields, MIME-Version, then the entity's own fields and body. */
export const message = (fields: readonly (readonly [string, string])[], entity: Entity): Buffer =>
  Buffer.from(
    `${[...fields, ['MIME-Version', '1.0'] as const].map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n${render(entity)}\r\n`,
    'ascii',
  );

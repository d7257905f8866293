/**
 * Types served as themselves: none of them renders as a document that can run script. Anything else
 * (text/html, image/svg+xml, XML, message/rfc822, an unknown type) is served as octet-stream.
 */
const SAFE_TYPES = new Set([
  ...['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'application/pdf'],
  ...['text/plain', 'text/csv', 'text/calendar', 'application/zip', 'application/gzip'],
  ...['audio/mpeg', 'audio/ogg', 'audio/wav', 'video/mp4', 'video/webm'],
  ...['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint'],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  ...['application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet'],
]);

/** The stored Content-Type when it is harmless, without its parameters; else application/octet-stream. */
export const downloadContentType = (stored: string): string => {
  const type = stored.split(';')[0]!.trim().toLowerCase();
  return SAFE_TYPES.has(type) ? type : 'application/octet-stream';
};

/** A name without folders, control characters or a leading dot (nothing a download could misuse). */
const cleanFilename = (name: string | null, fallback: string): string => {
  const base = (name ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/^[.\s]+/, '')
    .trim();
  return clean || fallback;
};

/** RFC 8187 §3.2.1 value-chars: attr-char stays, everything else is percent-encoded UTF-8. */
const extValue = (value: string): string =>
  encodeURIComponent(value).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266 §4.3): the quoted ASCII name for old
 * clients, the exact UTF-8 name for every current browser.
 */
export const contentDisposition = (filename: string | null, fallback: string): string => {
  const name = cleanFilename(filename, fallback);
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${extValue(name)}`;
};

/**
 * The document inside the reading frame and the policy it is served with. The page frames it with an
 * empty `sandbox` attribute; the CSP says `sandbox` again so the document is sandboxed even when opened
 * on its own, and allows nothing but inline style and images (remote ones only when the reader asked).
 */
export const frameCsp = (allowRemoteImages: boolean): string =>
  [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    // Inline `cid:` images arrive as `data:` URLs (inline-images.ts): a browser cannot load `cid:` itself.
    `img-src data:${allowRemoteImages ? ' https: http:' : ''}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
    'sandbox',
  ].join('; ');

const BASE_STYLE = [
  'body{margin:0;padding:16px;font:15px/1.5 system-ui,sans-serif;color:#1b1f24;overflow-wrap:anywhere}',
  'img{max-width:100%}',
  'img[data-blocked]{outline:1px dashed #b0b8c4;min-width:24px;min-height:24px}',
  'pre{white-space:pre-wrap;font:inherit}',
].join('');

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Sanitised HTML (sanitize.ts) in a document of its own; nothing in it is unescaped but that HTML. */
export const frameDocument = (sanitisedHtml: string): string =>
  `<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><style>${BASE_STYLE}</style></head><body>${sanitisedHtml}</body></html>`;

const [FRAME_HEAD, FRAME_TAIL] = frameDocument('\u0000')
  .split('\u0000')
  .map((part) => new TextEncoder().encode(part)) as [Uint8Array, Uint8Array];

/** `frameDocument` of sanitised HTML already encoded as UTF-8 (html-sanitizer.ts keeps it so). */
export const frameDocumentBytes = (sanitisedHtml: Uint8Array): Uint8Array<ArrayBuffer> => {
  const document = new Uint8Array(FRAME_HEAD.length + sanitisedHtml.length + FRAME_TAIL.length);
  document.set(FRAME_HEAD);
  document.set(sanitisedHtml, FRAME_HEAD.length);
  document.set(FRAME_TAIL, FRAME_HEAD.length + sanitisedHtml.length);
  return document;
};

/** A text body in the same frame, for a client that asks for the frame of a message without HTML. */
export const textFrameDocument = (text: string): string => frameDocument(`<pre>${escapeHtml(text)}</pre>`);

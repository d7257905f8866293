import sanitizeHtml from 'sanitize-html';
import { ALLOWED_STYLES, filterCssUrls, isSafeStyleSheet } from './email-css.ts';

export interface SanitizeOptions {
  /** Keep `<img src="http(s)://…">`; otherwise they lose their `src` (no tracking pixel loads). */
  readonly allowRemoteImages: boolean;
  /** `cid:` references (RFC 2392) to the message's own inline images, by Content-ID, as `data:` URLs. */
  readonly inlineImages?: ReadonlyMap<string, string>;
}

export interface SanitizedHtml {
  readonly html: string;
  /** Remote images whose `src` was removed: the reader may ask for them. */
  readonly blockedImages: number;
}

/** Formatting only: no script, form, frame, object, embed, base, meta, link or svg. */
const TAGS = [
  ...['a', 'abbr', 'address', 'article', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption'],
  ...['center', 'cite', 'code', 'col', 'colgroup', 'dd', 'del', 'dfn', 'div', 'dl', 'dt', 'em'],
  ...['figcaption', 'figure', 'font', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr'],
  ...['i', 'img', 'ins', 'kbd', 'li', 'main', 'mark', 'ol', 'p', 'pre', 'q', 's', 'samp', 'section'],
  ...['small', 'span', 'strike', 'strong', 'style', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot'],
  ...['th', 'thead', 'tr', 'tt', 'u', 'ul', 'var', 'wbr'],
];

/** No `on*` handler, `id` (nothing to clobber), `background` (an image URL) or `srcset` (more URLs). */
const ATTRIBUTES: Record<string, sanitizeHtml.AllowedAttribute[]> = {
  '*': ['style', 'class', 'dir', 'lang', 'title', 'align', 'valign', 'width', 'height', 'bgcolor'],
  a: ['href', 'name', 'target', 'rel'],
  img: ['src', 'alt', 'border', 'data-blocked'],
  table: ['border', 'cellpadding', 'cellspacing', 'summary'],
  td: ['colspan', 'rowspan', 'nowrap'],
  th: ['colspan', 'rowspan', 'nowrap', 'scope'],
  font: ['color', 'face', 'size'],
  ol: ['start', 'type'],
  ul: ['type'],
  li: ['value'],
  col: ['span'],
  colgroup: ['span'],
};

/** Disallowed elements whose text is not prose either: dropped with their content, not unwrapped. */
const DROPPED_WITH_CONTENT = [
  ...['script', 'style', 'textarea', 'option', 'select', 'xmp', 'title', 'noembed', 'noframes'],
  ...['template', 'svg', 'math', 'object', 'iframe', 'frameset'],
];

/**
 * An absolute URL as the browser would read it (the WHATWG parser drops tabs and newlines, so
 * `java\tscript:` is `javascript:`), or null for a relative one: relative URLs would resolve against
 * Mailroom's own origin, where an image could trigger a request the reader never made.
 */
const absoluteUrl = (value: string | undefined): URL | null => {
  if (!value) return null;
  const trimmed = value.trim();
  try {
    return new URL(trimmed.startsWith('//') ? `https:${trimmed}` : trimmed);
  } catch {
    return null;
  }
};

const SAFE_DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp|bmp);/i;

/**
 * The text of each `<style>` block of sanitised HTML through `map`. In sanitize-html's output `<style`
 * only opens a style element (text and attribute values have `<` and `>` escaped), and a block's text
 * cannot hold `</style>`, which ends it.
 */
const mapStyleBlocks = (html: string, map: (css: string) => string): string => {
  let out = '';
  let from = 0;
  for (let open = html.indexOf('<style', from); open >= 0; open = html.indexOf('<style', from)) {
    const start = html.indexOf('>', open) + 1;
    const end = start > 0 ? html.indexOf('</style>', start) : -1;
    if (end < 0) break;
    out += html.slice(from, start) + map(html.slice(start, end));
    from = end;
  }
  return from === 0 ? html : out + html.slice(from);
};

/**
 * Sanitises a message's HTML for the reading frame: an allow-list of formatting tags and attributes
 * (sanitize-html), links that open outside, remote images blocked unless the reader asked, inline images
 * resolved. The frame's CSP and sandbox are the second wall: this function is the first.
 */
export const sanitizeEmailHtml = (html: string, options: SanitizeOptions): SanitizedHtml => {
  let blockedImages = 0;

  // CSS images: `data:` pictures always, remote ones when the reader asked (the CSP says the same);
  // relative URLs never (they would reach Mailroom's own origin). Remote ones removed are counted.
  const keepCssUrl = (value: string): boolean => {
    const url = absoluteUrl(value);
    if (url?.protocol === 'data:') return SAFE_DATA_IMAGE.test(url.href);
    return options.allowRemoteImages && (url?.protocol === 'http:' || url?.protocol === 'https:');
  };
  const withoutCssImages = (css: string): string => {
    const { css: kept, removed } = filterCssUrls(css, keepCssUrl);
    for (const url of removed) {
      const protocol = absoluteUrl(url)?.protocol;
      if (protocol === 'http:' || protocol === 'https:') blockedImages++;
    }
    return kept;
  };
  const styleAttribute: sanitizeHtml.Transformer = (tagName, attribs) =>
    attribs.style === undefined || !TAGS.includes(tagName)
      ? { tagName, attribs }
      : { tagName, attribs: { ...attribs, style: withoutCssImages(attribs.style) } };

  const link: sanitizeHtml.Transformer = (tagName, attribs) => {
    const url = absoluteUrl(attribs.href);
    const keep = url && ['http:', 'https:', 'mailto:', 'tel:'].includes(url.protocol);
    const { href: _href, target: _target, rel: _rel, ...rest } = attribs;
    if (keep)
      return { tagName, attribs: { ...rest, href: url.href, target: '_blank', rel: 'noopener noreferrer' } };
    // A link within the message (`#section`) stays in the frame; any other is no link at all.
    return { tagName, attribs: attribs.href?.startsWith('#') ? { ...rest, href: attribs.href } : rest };
  };

  const image: sanitizeHtml.Transformer = (tagName, attribs) => {
    const { src: _src, ...rest } = attribs;
    const url = absoluteUrl(attribs.src);
    let src: string | undefined;
    if (url?.protocol === 'cid:') src = options.inlineImages?.get(decodeURIComponent(url.pathname));
    else if (url?.protocol === 'data:') src = SAFE_DATA_IMAGE.test(url.href) ? url.href : undefined;
    else if (url?.protocol === 'http:' || url?.protocol === 'https:') {
      if (options.allowRemoteImages) src = url.href;
      else {
        blockedImages++;
        return { tagName, attribs: { ...rest, 'data-blocked': 'remote-image' } };
      }
    }
    return { tagName, attribs: src ? { ...rest, src } : rest };
  };

  const clean = sanitizeHtml(html, {
    allowedTags: TAGS,
    allowedAttributes: ATTRIBUTES,
    allowedStyles: ALLOWED_STYLES,
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['http', 'https', 'data'] },
    allowProtocolRelative: false,
    // `style` is "vulnerable" to sanitize-html because its text passes unfiltered: exclusiveFilter below
    // drops any block with active CSS, and the frame's CSP allows no script or font or import.
    allowVulnerableTags: true,
    nonTextTags: DROPPED_WITH_CONTENT,
    // `*` runs after a tag's own transform (sanitize-html 2.17), on the attributes it left.
    transformTags: { a: link, img: image, '*': styleAttribute },
    exclusiveFilter: (frame) => frame.tag === 'style' && !isSafeStyleSheet(frame.text),
  });
  return { html: mapStyleBlocks(clean, withoutCssImages), blockedImages };
};

/**
 * What CSS a message may keep. Mail is laid out with inline styles and `<style>` blocks, so both stay,
 * but only as formatting: anything that can load a resource or run code is refused here, and the frame's
 * CSP (`default-src 'none'`) refuses it again in the browser.
 */

/**
 * CSS with none of: `expression(` (old IE script), `javascript:`, `@import` (another style sheet),
 * `behavior`/`-moz-binding` (script bindings), and no backslash, which is how CSS escapes would spell
 * the others (`expr\65ssion(`).
 */
const NOTHING_ACTIVE = /^(?![\s\S]*(?:expression|javascript:|@import|behavior|binding|\\))[\s\S]*$/i;
/** An inline value is stricter still: no `url(` or `image-set(`, so no image loads from an attribute. */
const SAFE_VALUE =
  /^(?![\s\S]*(?:url\s*\(|image-set|expression|javascript:|@import|behavior|binding|\\))[^<>]*$/i;

/** Formatting properties; position, z-index and the like are left out (nothing may cover the page). */
const PROPERTIES = [
  'background-color',
  'border',
  'border-bottom',
  'border-collapse',
  'border-color',
  'border-left',
  'border-radius',
  'border-right',
  'border-spacing',
  'border-style',
  'border-top',
  'border-width',
  'clear',
  'color',
  'direction',
  'display',
  'float',
  'font',
  'font-family',
  'font-size',
  'font-style',
  'font-weight',
  'height',
  'letter-spacing',
  'line-height',
  'list-style-type',
  'margin',
  'margin-bottom',
  'margin-left',
  'margin-right',
  'margin-top',
  'max-width',
  'min-width',
  'padding',
  'padding-bottom',
  'padding-left',
  'padding-right',
  'padding-top',
  'table-layout',
  'text-align',
  'text-decoration',
  'text-indent',
  'text-transform',
  'vertical-align',
  'white-space',
  'width',
  'word-break',
] as const;

/** sanitize-html's `allowedStyles` for every tag. */
export const ALLOWED_STYLES = {
  '*': Object.fromEntries(PROPERTIES.map((p) => [p, [SAFE_VALUE]])),
};

/**
 * A `<style>` block is kept whole or dropped whole (sanitize-html cannot filter its rules). Its `url(…)`
 * images stay: the frame's CSP loads them only after the reader asked for remote images.
 */
export const isSafeStyleSheet = (css: string): boolean => NOTHING_ACTIVE.test(css);

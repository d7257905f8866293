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
/**
 * An inline value is stricter still: no `image-set(` (its URLs are strings, not `url()`); `url(…)` is
 * left only where `filterCssUrls` kept it (sanitize.ts runs it on every style attribute first).
 */
const SAFE_VALUE = /^(?![\s\S]*(?:image-set|expression|javascript:|@import|behavior|binding|\\))[^<>]*$/i;

/** Formatting properties; position, z-index and the like are left out (nothing may cover the page). */
const PROPERTIES = [
  'background',
  'background-color',
  'background-image',
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
 * A `<style>` block is kept whole or dropped whole (sanitize-html cannot filter its rules); its `url(…)`
 * go through `filterCssUrls` afterwards (sanitize.ts).
 */
export const isSafeStyleSheet = (css: string): boolean => NOTHING_ACTIVE.test(css);

/** CSS functions that load an image: `url(…)`, and `image-set(…)`, whose URLs are bare strings. */
const IMAGE_FUNCTIONS = ['url', 'image-set'] as const;

/**
 * Every `url(…)` of `css` that `keep` refuses, and every `image-set(…)`, becomes `none` (`background:
 * url(x) #fff` stays a background, of colour only): the frame's CSP is the second wall, this the first.
 * A scan by position, parentheses counted and quotes skipped, not a regular expression (the CSS is the
 * sender's); an unclosed function runs to the end and goes whole. Returns the URLs removed.
 */
export const filterCssUrls = (
  css: string,
  keep: (url: string) => boolean,
): { readonly css: string; readonly removed: readonly string[] } => {
  const next = imageFunctions(css.toLowerCase());
  const removed: string[] = [];
  let out = '';
  let from = 0;
  for (;;) {
    const found = next(from);
    if (!found) break;
    const close = closingParenthesis(css, found.open + 1);
    const inner = css.slice(found.open + 1, close).trim();
    const url = found.name === 'url' && close < css.length ? unquoted(inner) : null;
    if (url !== null && keep(url)) out += css.slice(from, close + 1);
    else {
      out += `${css.slice(from, found.at)}none`;
      removed.push(url ?? inner);
    }
    from = close + 1;
  }
  return { css: from === 0 ? css : out + css.slice(from), removed };
};

/**
 * Finds the next `url(` or `image-set(` (white space allowed before the parenthesis) at or after a
 * position that only grows: each name's next match is remembered, so the whole scan stays linear.
 */
const imageFunctions = (lower: string) => {
  const ahead = new Map<string, { at: number; open: number } | null>();
  const find = (name: string, from: number) => {
    for (let at = lower.indexOf(name, from); at >= 0; at = lower.indexOf(name, at + 1)) {
      let open = at + name.length;
      while (open < lower.length && CSS_SPACE.includes(lower[open]!)) open++;
      if (lower[open] === '(') return { at, open };
    }
    return null;
  };
  return (from: number) => {
    let best: { name: (typeof IMAGE_FUNCTIONS)[number]; at: number; open: number } | null = null;
    for (const name of IMAGE_FUNCTIONS) {
      let hit = ahead.get(name);
      if (hit === undefined || (hit !== null && hit.at < from)) {
        hit = find(name, from);
        ahead.set(name, hit);
      }
      if (hit && (!best || hit.at < best.at)) best = { name, ...hit };
    }
    return best;
  };
};

const CSS_SPACE = ' \t\n\r\f';

/** Where the parenthesis opened before `start` closes (nested ones counted, quoted text skipped); the end if never. */
const closingParenthesis = (css: string, start: number): number => {
  let depth = 1;
  for (let at = start; at < css.length; at++) {
    const char = css[at];
    if (char === '"' || char === "'") {
      const end = css.indexOf(char, at + 1);
      if (end < 0) return css.length;
      at = end;
    } else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return at;
  }
  return css.length;
};

const unquoted = (value: string): string =>
  value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)
    ? value.slice(1, -1).trim()
    : value;

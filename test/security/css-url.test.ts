import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sanitizeEmailHtml } from '../../src/reading/sanitize.ts';

// CSS loads images too: `url(…)` in a style attribute or a <style> block is removed while remote images
// are blocked, and kept once the reader asked for them (before, only the frame's CSP stopped them).

const REMOTE = 'https://tracker.test/p.png';

const shown = (html: string, allowRemoteImages: boolean) => sanitizeEmailHtml(html, { allowRemoteImages });

describe('url() in sanitised CSS', () => {
  const remote: [string, string][] = [
    ['a style attribute', `<div style="background: url(${REMOTE}) #fff; color: red">x</div>`],
    ['a style attribute, quoted', `<div style='background-image: url("${REMOTE}")'>x</div>`],
    ['a style attribute, upper case and spaces', `<td style="background: URL( '${REMOTE}' )">x</td>`],
    ['a <style> block', `<style>.hero{background:url(${REMOTE}) no-repeat}p{color:red}</style><p>x</p>`],
    ['a <style> block, quoted', `<style>.a{background-image:url('${REMOTE}')}</style><p>x</p>`],
    [
      'a <style> block, a parenthesis in quotes',
      `<style>.a{background:url("${REMOTE}?a=)")}</style><p>x</p>`,
    ],
    ['a <style> block, @font-face', `<style>@font-face{font-family:F;src:url(${REMOTE})}</style><p>x</p>`],
  ];
  for (const [where, html] of remote) {
    test(`${where}: removed while remote images are blocked, and counted`, () => {
      const blocked = shown(html, false);
      assert.ok(!blocked.html.includes('tracker.test'), blocked.html);
      assert.ok(blocked.blockedImages >= 1, 'the reader is offered to show it');
    });
    test(`${where}: kept once the reader asked for remote images`, () => {
      const allowed = shown(html, true);
      assert.ok(allowed.html.includes(REMOTE), allowed.html);
    });
  }

  test('what is around the URL stays: the colour of a background, the other rules', () => {
    const attribute = shown(`<div style="background: url(${REMOTE}) #fff; color: red">x</div>`, false).html;
    assert.match(attribute, /style="[^"]*color:red/);
    assert.match(attribute, /#fff/);
    const block = shown(
      `<style>.hero{background:url(${REMOTE}) no-repeat}p{color:red}</style><p>x</p>`,
      false,
    );
    assert.match(block.html, /<style>\.hero\{background:none no-repeat\}p\{color:red\}<\/style>/);
  });

  test('never kept: a relative URL (Mailroom’s own origin), image-set(), an unclosed url(', () => {
    for (const allowRemoteImages of [false, true]) {
      const relative = shown(
        '<style>.a{background:url(/mail/x/messages/y)}</style><p>x</p>',
        allowRemoteImages,
      );
      assert.ok(!relative.html.includes('/mail/x'), relative.html);
      const set = shown(
        `<style>.a{background-image:image-set("${REMOTE}" 1x)}</style><p>x</p>`,
        allowRemoteImages,
      );
      assert.ok(!set.html.includes('tracker.test'), set.html);
      const unclosed = shown(`<style>.a{background:url(${REMOTE}</style><p>x</p>`, allowRemoteImages);
      assert.ok(!unclosed.html.includes('tracker.test'), unclosed.html);
    }
  });

  test('a data: picture stays either way, an SVG one does not', () => {
    const png = 'data:image/png;base64,AA==';
    for (const allowRemoteImages of [false, true]) {
      assert.ok(shown(`<div style="background:url(${png})">x</div>`, allowRemoteImages).html.includes(png));
      const svg = shown('<style>.a{background:url(data:image/svg+xml,x)}</style><p>x</p>', allowRemoteImages);
      assert.ok(!svg.html.includes('svg+xml'), svg.html);
    }
  });

  test('a style block of 100,000 url() is filtered in linear time', () => {
    const css = (n: number) => `<style>${`.a{background:url(${REMOTE})}`.repeat(n)}</style><p>x</p>`;
    const time = (n: number) => {
      const start = performance.now();
      const { blockedImages } = shown(css(n), false);
      assert.equal(blockedImages, n);
      return performance.now() - start;
    };
    const small = time(10_000);
    const large = time(100_000);
    assert.ok(
      large < Math.max(200, 30 * small),
      `${large.toFixed(0)} ms for 100,000 (${small.toFixed(0)} for 10,000)`,
    );
  });
});

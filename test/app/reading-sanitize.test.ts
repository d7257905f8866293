import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contentDisposition, downloadContentType } from '../../src/reading/download-headers.ts';
import { frameCsp } from '../../src/reading/frame-document.ts';
import { parsePending } from '../../src/reading/local-flags.ts';
import { sanitizeEmailHtml } from '../../src/reading/sanitize.ts';

const clean = (html: string, allowRemoteImages = false) =>
  sanitizeEmailHtml(html, {
    allowRemoteImages,
    inlineImages: new Map([['logo@x', 'data:image/png;base64,AA==']]),
  });

describe('sanitizeEmailHtml', () => {
  // [what, input, expected output]
  const table: [string, string, string][] = [
    ['script', '<p>Hi<script>alert(1)</script></p>', '<p>Hi</p>'],
    ['script with a src', '<script src="https://evil.test/x.js"></script>ok', 'ok'],
    ['onerror', '<img src="https://x.test/a.png" onerror="alert(1)">', '<img data-blocked="remote-image" />'],
    ['onclick and id', '<p onclick="x()" id="a" class="c">p</p>', '<p class="c">p</p>'],
    ['svg onload', '<svg onload="alert(1)"><circle r="1"/></svg>after', 'after'],
    ['javascript: href', '<a href="javascript:alert(1)">x</a>', '<a>x</a>'],
    ['javascript: with a tab', '<a href="java\tscript:alert(1)">x</a>', '<a>x</a>'],
    ['data: href', '<a href="data:text/html,<script>alert(1)</script>">x</a>', '<a>x</a>'],
    [
      'a link opens outside',
      '<a href="https://example.org/a?b=1" target="_self">x</a>',
      '<a href="https://example.org/a?b=1" target="_blank" rel="noopener noreferrer">x</a>',
    ],
    ['a link within the message', '<a href="#top">x</a>', '<a href="#top">x</a>'],
    ['a relative link', '<a href="/api/me">x</a>', '<a>x</a>'],
    [
      'css expression, url() in a style attribute',
      '<div style="width: expression(alert(1)); color: red; background: url(https://t.test/p.png)">c</div>',
      '<div style="color:red;background:none">c</div>',
    ],
    [
      'css escapes',
      '<div style="color: red; width: e\\78pression(alert(1))">c</div>',
      '<div style="color:red">c</div>',
    ],
    ['style block with expression', '<style>p{width:expression(alert(1))}</style><p>s</p>', '<p>s</p>'],
    ['style block with @import', '<style>@import "https://evil.test/x.css";</style><p>s</p>', '<p>s</p>'],
    ['a harmless style block', '<style>p{color:red}</style><p>s</p>', '<style>p{color:red}</style><p>s</p>'],
    ['meta refresh', '<meta http-equiv="refresh" content="0;url=https://evil.test">x', 'x'],
    ['base href', '<base href="https://evil.test/">x', 'x'],
    ['form', '<form action="https://evil.test"><input name="p"><button>Go</button></form>', 'Go'],
    [
      'iframe, object, embed',
      '<iframe src="https://e.test">i</iframe><object data="x">o</object><embed src="x">',
      '',
    ],
    ['title and head', '<html><head><title>T</title></head><body><p>b</p></body></html>', '<p>b</p>'],
    ['relative image (Mailroom’s own origin)', '<img src="/mail/x/messages/y">', '<img />'],
    ['protocol-relative image', '<img src="//t.test/p.png">', '<img data-blocked="remote-image" />'],
    [
      'data: image kept',
      '<img src="data:image/png;base64,AA==">',
      '<img src="data:image/png;base64,AA==" />',
    ],
    ['data: svg image refused', '<img src="data:image/svg+xml,<svg onload=alert(1)>">', '<img />'],
    [
      'cid: image resolved',
      '<img src="cid:logo@x" alt="Logo">',
      '<img alt="Logo" src="data:image/png;base64,AA==" />',
    ],
    ['unknown cid: image', '<img src="cid:other@x">', '<img />'],
    [
      'table attributes',
      '<table background="https://t.test/b.png" bgcolor="#fff"><tr><td colspan="2">t</td></tr></table>',
      '<table bgcolor="#fff"><tr><td colspan="2">t</td></tr></table>',
    ],
  ];
  for (const [what, input, expected] of table) {
    test(what, () => assert.equal(clean(input).html, expected));
  }

  test('remote images are counted when blocked and kept when the reader asked', () => {
    const html = '<img src="http://t.test/1.png" alt="a"><img src="https://t.test/2.png">';
    assert.deepEqual(clean(html), {
      html: '<img alt="a" data-blocked="remote-image" /><img data-blocked="remote-image" />',
      blockedImages: 2,
    });
    assert.deepEqual(clean(html, true), {
      html: '<img alt="a" src="http://t.test/1.png" /><img src="https://t.test/2.png" />',
      blockedImages: 0,
    });
  });
});

test('the frame CSP allows no script, and remote images only when asked', () => {
  assert.equal(
    frameCsp(false),
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox",
  );
  assert.match(frameCsp(true), /img-src data: https: http:;/);
});

test('downloads: active types become octet-stream', () => {
  const table: [string, string][] = [
    ['application/pdf', 'application/pdf'],
    ['IMAGE/PNG; name="a.png"', 'image/png'],
    ['text/html; charset=utf-8', 'application/octet-stream'],
    ['image/svg+xml', 'application/octet-stream'],
    ['application/xhtml+xml', 'application/octet-stream'],
    ['text/xml', 'application/octet-stream'],
    ['message/rfc822', 'application/octet-stream'],
    ['nonsense', 'application/octet-stream'],
  ];
  for (const [stored, served] of table) assert.equal(downloadContentType(stored), served, stored);
});

test('downloads: the file name, in ASCII and exactly in UTF-8 (RFC 6266, RFC 8187)', () => {
  const table: [string | null, string][] = [
    ['invoice.pdf', `attachment; filename="invoice.pdf"; filename*=UTF-8''invoice.pdf`],
    [
      'Résumé 2026.txt',
      `attachment; filename="R_sum_ 2026.txt"; filename*=UTF-8''R%C3%A9sum%C3%A9%202026.txt`,
    ],
    ['../../etc/passwd', `attachment; filename="passwd"; filename*=UTF-8''passwd`],
    ['a"b\r\nc.txt', `attachment; filename="a_bc.txt"; filename*=UTF-8''a%22bc.txt`],
    ["it's (1).txt", `attachment; filename="it's (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`],
    ['.htaccess', `attachment; filename="htaccess"; filename*=UTF-8''htaccess`],
    [null, `attachment; filename="attachment-1"; filename*=UTF-8''attachment-1`],
  ];
  for (const [name, header] of table)
    assert.equal(contentDisposition(name, 'attachment-1'), header, String(name));
});

test('pending flags: only the two booleans are read', () => {
  assert.deepEqual(parsePending(null), {});
  assert.deepEqual(parsePending('{"seen":true}'), { seen: true });
  assert.deepEqual(parsePending('{"seen": false, "flagged": true, "x": 1}'), { seen: false, flagged: true });
  assert.deepEqual(parsePending('{"seen":"yes"}'), {});
});

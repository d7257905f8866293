// The guide in docs/: every relative link and picture resolves (anchors into headings too), every picture
// is a PNG of at most 1280×800 that some page shows, and every code Mailroom links to has its section.
// Fast and without a browser.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { DOC_ANCHORS, docsLink } from '../../src/diagnose/docs-link.ts';
import { anchorsOf } from '../../src/guide/anchors.ts';
import { GUIDE_CODES, GUIDE_TROUBLESHOOTING, guideUrlFor } from '../../src/guide/guide-link.ts';
import { SIGNATURE_GUIDE } from '../../src/webhooks/pages.tsx';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DOCS = join(ROOT, 'docs');

/** Links and images of a Markdown text, outside fenced code and `code` spans. */
const targetsOf = (markdown: string): { image: boolean; target: string }[] => {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/(!?)\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => ({
    image: m[1] === '!',
    target: m[2]!,
  }));
};

/** What is wrong with the relative links of `file` (a path under ROOT): an empty list when nothing. */
export const brokenLinks = (file: string, markdown = readFileSync(file, 'utf8')): string[] => {
  const problems: string[] = [];
  for (const { image, target } of targetsOf(markdown)) {
    if (/^[a-z]+:/.test(target)) continue;
    const [path, anchor] = target.split('#') as [string, string | undefined];
    if (path === '') {
      if (!anchorsOf(markdown).includes(anchor ?? ''))
        problems.push(`${relative(ROOT, file)}: no heading ${target}`);
      continue;
    }
    const resolved = resolve(dirname(file), path);
    const where = `${relative(ROOT, file)}: ${target}`;
    if (!resolved.startsWith(ROOT)) problems.push(`${where} leaves the repository`);
    else if (!existsSync(resolved)) problems.push(`${where} does not exist`);
    else if (image && !/\.png$/.test(resolved)) problems.push(`${where} is not a PNG`);
    else if (anchor !== undefined) {
      if (!resolved.endsWith('.md')) problems.push(`${where}: an anchor into a file that is not Markdown`);
      else if (!anchorsOf(readFileSync(resolved, 'utf8')).includes(anchor))
        problems.push(`${where}: no heading #${anchor}`);
    }
  }
  return problems;
};

const pages = readdirSync(DOCS)
  .filter((f) => f.endsWith('.md'))
  .map((f) => join(DOCS, f));

describe('the guide’s links', () => {
  test('docs/ has the pages the README and the index promise', () => {
    for (const name of [
      'index',
      'entra-app-registration',
      'connecting-mailboxes',
      'system-mailboxes',
      'troubleshooting',
      'operations',
      'api',
    ])
      assert.ok(existsSync(join(DOCS, `${name}.md`)), name);
  });

  for (const file of [...pages, join(ROOT, 'README.md')])
    test(`${relative(ROOT, file)}: every relative link and picture resolves`, () => {
      assert.deepEqual(brokenLinks(file), []);
    });

  test('the checker finds what is broken (a missing file, a missing anchor, a picture that is not PNG)', () => {
    const file = join(DOCS, 'example.md');
    assert.deepEqual(
      brokenLinks(
        file,
        '[a](nope.md) [b](troubleshooting.md#no-such-code) [c](#here) [f](#there) ![d](index.md) `[e](ignored.md)`\n\n## Here\n',
      ),
      [
        'docs/example.md: nope.md does not exist',
        'docs/example.md: troubleshooting.md#no-such-code: no heading #no-such-code',
        'docs/example.md: no heading #there',
        'docs/example.md: index.md is not a PNG',
      ],
    );
  });

  test('every picture is a PNG of at most 1280×800 that a page shows', () => {
    const shown = new Set(
      pages.flatMap((file) =>
        targetsOf(readFileSync(file, 'utf8'))
          .filter((t) => t.image)
          .map((t) => resolve(dirname(file), t.target)),
      ),
    );
    const pictures = readdirSync(join(DOCS, 'images')).map((f) => join(DOCS, 'images', f));
    assert.ok(pictures.length >= 15, `${pictures.length} pictures`);
    for (const picture of pictures) {
      const bytes = readFileSync(picture);
      assert.equal(bytes.subarray(1, 4).toString('ascii'), 'PNG', picture);
      assert.ok(bytes.readUInt32BE(16) <= 1280 && bytes.readUInt32BE(20) <= 800, `${picture} is too large`);
      assert.ok(shown.has(picture), `${relative(ROOT, picture)} is shown by no page`);
    }
  });

  test('every code Mailroom explains is one the guide links to (read from the code, so new ones are not missed)', () => {
    const source = (path: string) => readFileSync(join(ROOT, path), 'utf8');
    const unionOf = (path: string, type: string) => {
      const block = new RegExp(`export type ${type} =([^;]+);`).exec(source(path))?.[1] ?? '';
      return [...block.matchAll(/'([a-z_]+\.[a-z_]+)'/g)].map((m) => m[1]!);
    };
    const explained = [
      ...unionOf('src/transports/imap-smtp/imap-error.ts', 'ImapErrorCode'),
      ...unionOf('src/transports/imap-smtp/smtp-error.ts', 'SmtpErrorCode'),
      ...unionOf('src/transports/graph/graph-error.ts', 'GraphErrorCode'),
      ...unionOf('src/signin/refusal.ts', 'RefusalCode'),
      // The AADSTS numbers with a sentence of their own: token-failure.ts's tables, check-configuration.ts's cases.
      ...[...source('src/mailboxes/token-failure.ts').matchAll(/^ {2}(\d{5,7}):/gm)].map(
        (m) => `AADSTS${m[1]}`,
      ),
      ...[...source('src/microsoft/check-configuration.ts').matchAll(/case (\d{5,7}):/g)].map(
        (m) => `AADSTS${m[1]}`,
      ),
      ...[...source('src/signin/refusal.ts').matchAll(/\(AADSTS(\d+)\)/g)].map((m) => `AADSTS${m[1]}`),
      // Graph token failures (graph-transport-error.ts) and application access's failures (app-access/).
      ...[...source('src/transports/graph/graph-transport-error.ts').matchAll(/'(graph\.[a-z_]+)'/g)].map(
        (m) => m[1]!,
      ),
      ...['explain-failure.ts', 'verify.ts', 'mailbox-token.ts', 'app-token.ts'].flatMap((file) =>
        [...source(`src/mailboxes/app-access/${file}`).matchAll(/'(app_access\.[a-z_]+)'/g)]
          .map((m) => m[1]!)
          .filter((code) => code !== 'app_access.failed'),
      ),
    ];
    assert.ok(
      explained.length > 60,
      `${explained.length} codes found: the patterns above no longer match the code`,
    );
    assert.deepEqual(
      explained.filter((code) => !GUIDE_CODES.includes(code)),
      [],
      'add these to GUIDE_CODES (src/guide/guide-link.ts) and give each a section in docs/troubleshooting.md',
    );
  });

  test('every code Mailroom links to the guide for has its own heading in troubleshooting.md', () => {
    const anchors = anchorsOf(readFileSync(join(DOCS, 'troubleshooting.md'), 'utf8'));
    for (const code of GUIDE_CODES) {
      const url = guideUrlFor(code);
      assert.ok(url, code);
      assert.ok(anchors.includes(url.split('#')[1]!), `${code}: ${url}`);
    }
    assert.equal(guideUrlFor('AADSTS50173'), '/docs/troubleshooting#aadsts50173');
    assert.equal(guideUrlFor('imap.auth_failed'), '/docs/troubleshooting#imapauth_failed');
    assert.equal(guideUrlFor('no.such_code'), null);
  });

  test('every Diagnose step’s documentation link is a heading of troubleshooting.md, served under /docs', () => {
    const anchors = anchorsOf(readFileSync(join(DOCS, 'troubleshooting.md'), 'utf8'));
    assert.deepEqual(
      DOC_ANCHORS.filter((anchor) => !anchors.includes(anchor)),
      [],
      'give each a heading in docs/troubleshooting.md (Diagnose steps) whose anchor is this',
    );
    assert.equal(docsLink('imap-disabled'), `${GUIDE_TROUBLESHOOTING}#imap-disabled`);
  });

  test('the Webhooks page’s link to verifying a signature is a heading of api.md', () => {
    const [page, anchor] = SIGNATURE_GUIDE.replace('/docs/', '').split('#') as [string, string];
    assert.ok(anchorsOf(readFileSync(join(DOCS, `${page}.md`), 'utf8')).includes(anchor), SIGNATURE_GUIDE);
  });
});

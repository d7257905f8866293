import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, test } from 'node:test';
import { createFileBlobStore } from '../../src/messages/blob-store.ts';
import { contentHash, dedupeKey } from '../../src/messages/dedupe.ts';
import { firstMessageId, messageIdsIn } from '../../src/messages/header-fields.ts';
import { flagColumns } from '../../src/messages/locations.ts';
import { toSnippet } from '../../src/messages/parsed-message.ts';
import { newThreadId, pickThread, threadCandidates } from '../../src/messages/threading.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('dedupe keys', () => {
  const source = Buffer.from('Subject: x\r\n\r\nbody\r\n');
  const content = { fromAddress: 'a@x', subject: 'x', text: 'body\n', html: null, attachmentHashes: [] };
  const hash = contentHash(content);
  const cases: [string | null, string][] = [
    ['<Abc.123@Example.COM>', `mid:abc.123@example.com#${hash}`],
    ['abc.123@example.com', `mid:abc.123@example.com#${hash}`],
    ['  <abc@x>  ', `mid:abc@x#${hash}`],
    [null, `sha256:${sha256('Subject: x\r\n\r\nbody\r\n')}`],
    ['<>', `sha256:${sha256('Subject: x\r\n\r\nbody\r\n')}`],
  ];
  for (const [messageId, key] of cases)
    test(`${JSON.stringify(messageId)} → ${key.slice(0, 20)}`, () =>
      assert.equal(dedupeKey(messageId, content, source), key));

  test('the content hash: the same for CRLF, trailing blanks, another sender case; not for other words', () => {
    const same = [
      { ...content, text: 'body\r\n\r\n' },
      { ...content, text: 'body  \n' },
      { ...content, fromAddress: 'A@X' },
    ];
    for (const other of same) assert.equal(contentHash(other), hash, JSON.stringify(other));
    const different = [
      { ...content, text: 'Body\n' },
      { ...content, subject: 'y' },
      { ...content, fromAddress: 'b@x' },
      { ...content, html: '<p>body</p>' },
      { ...content, attachmentHashes: ['00'] },
    ];
    for (const other of different) assert.notEqual(contentHash(other), hash, JSON.stringify(other));
    assert.equal(
      contentHash({ ...content, attachmentHashes: ['01', '02'] }),
      contentHash({ ...content, attachmentHashes: ['02', '01'] }),
      'attachments in any order',
    );
  });
});

describe('Message-IDs in headers', () => {
  const cases: [string | null, string[], string | null][] = [
    ['<a@b> <c@d>', ['a@b', 'c@d'], 'a@b'],
    ['<a@b>,<c@d>', ['a@b', 'c@d'], 'a@b'],
    ['<x@y> (sent by Bob)', ['x@y'], 'x@y'],
    ['bare@host.example', [], 'bare@host.example'],
    ['not an id', [], null],
    [null, [], null],
  ];
  for (const [value, ids, first] of cases)
    test(`${JSON.stringify(value)}`, () => {
      assert.deepEqual(messageIdsIn(value), ids);
      assert.equal(firstMessageId(value), first);
    });
});

describe('thread candidates and choice', () => {
  const cases: {
    name: string;
    m: { messageId: string | null; inReplyTo: string | null; references: string[] };
    stored: [string, string][];
    expected: string | null;
  }[] = [
    {
      name: 'a reply joins its parent',
      m: { messageId: 'r', inReplyTo: 'p', references: [] },
      stored: [['p', 'T1']],
      expected: 'T1',
    },
    {
      name: 'the nearest stored relative wins',
      m: { messageId: 'c', inReplyTo: 'b', references: ['a', 'b'] },
      stored: [
        ['a', 'T-a'],
        ['b', 'T-b'],
      ],
      expected: 'T-b',
    },
    {
      name: 'a missing parent is skipped for an older reference',
      m: { messageId: 'c', inReplyTo: 'b', references: ['a', 'b'] },
      stored: [['a', 'T-a']],
      expected: 'T-a',
    },
    {
      name: 'nothing stored',
      m: { messageId: 'c', inReplyTo: null, references: ['a'] },
      stored: [],
      expected: null,
    },
  ];
  for (const { name, m, stored, expected } of cases)
    test(name, () => assert.equal(pickThread(threadCandidates(m), new Map(stored)), expected));

  test('candidates: In-Reply-To first, then References newest to oldest, each once', () => {
    assert.deepEqual(threadCandidates({ messageId: 'd', inReplyTo: 'c', references: ['a', 'b', 'c'] }), [
      'c',
      'b',
      'a',
    ]);
  });

  test("a new thread is named by its root, so a late root names its replies' thread", () => {
    const root = { messageId: 'A@x', inReplyTo: null, references: [] };
    const reply = { messageId: 'b@x', inReplyTo: 'a@x', references: [] };
    const deep = { messageId: 'c@x', inReplyTo: 'b@x', references: ['<a@x>', 'b@x'] };
    const id = newThreadId(root, 'mid:a@x#0');
    assert.equal(newThreadId(reply, 'mid:b@x'), id);
    assert.equal(newThreadId(deep, 'mid:c@x'), id);
    assert.notEqual(newThreadId({ messageId: null, inReplyTo: null, references: [] }, 'sha256:00'), id);
    assert.match(id, /^[0-9a-f]{32}$/);
  });
});

describe('snippets and flags', () => {
  test('snippet: whitespace folded, about 200 characters, not cut inside a surrogate pair', () => {
    assert.equal(toSnippet('  Hello,\r\n\r\n\tworld  '), 'Hello, world');
    const long = toSnippet(`${'word '.repeat(100)}`);
    assert.ok(long.length <= 201 && long.endsWith('…'));
    const emoji = toSnippet(`${'a'.repeat(199)}😀 and more text`);
    assert.equal(emoji, `${'a'.repeat(199)}…`);
  });

  test('IMAP system flags, case-insensitive; keywords ignored', () => {
    assert.deepEqual(flagColumns(['\\SEEN', '\\Draft', '$Junk']), {
      seen: 1,
      flagged: 0,
      answered: 0,
      draft: 1,
    });
    assert.deepEqual(flagColumns(new Set<string>()), { seen: 0, flagged: 0, answered: 0, draft: 0 });
  });
});

describe('file blob store', () => {
  test('content-addressed, idempotent, streamed back byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailroom-blobs-'));
    try {
      const blobs = createFileBlobStore(dir);
      const bytes = Buffer.from('the same attachment');
      const first = await blobs.put(Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]));
      const second = await blobs.put(Readable.from([bytes]));
      assert.deepEqual(first, {
        sha256: createHash('sha256').update(bytes).digest('hex'),
        size: bytes.length,
      });
      assert.deepEqual(second, first);
      assert.deepEqual(readdirSync(join(dir, first.sha256.slice(0, 2))), [first.sha256]);
      assert.deepEqual(readdirSync(join(dir, 'tmp')), [], 'no temporary file left behind');
      assert.equal(await blobs.has(first.sha256), true);
      assert.equal(await blobs.has('0'.repeat(64)), false);
      assert.deepEqual(await buffer(blobs.open(first.sha256)), bytes);
      assert.throws(() => blobs.open('../../etc/passwd'), { code: 'messages.invalid_blob_name' });
      await assert.rejects(buffer(blobs.open('0'.repeat(64))), { code: 'ENOENT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

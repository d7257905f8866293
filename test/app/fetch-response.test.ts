import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseInternalDate, readFetchResponse } from '../../src/transports/imap-smtp/fetch-response.ts';
import {
  type RawResponse,
  ResponseSplitter,
  ResponseTooLargeError,
} from '../../src/transports/imap-smtp/response-splitter.ts';

const LIMITS = { maxLineBytes: 4096, maxLiteralBytes: 1024 };

/** Splits `bytes` fed in pieces of `step` bytes. */
const split = (bytes: Buffer, step: number, limits = LIMITS): RawResponse[] => {
  const out: RawResponse[] = [];
  const splitter = new ResponseSplitter((r) => out.push(r), limits);
  for (let at = 0; at < bytes.length; at += step) splitter.push(bytes.subarray(at, at + step));
  return out;
};

const SOURCE = Buffer.from(
  'Subject: hi\r\nFrom: a@b.example\r\n\r\nbody with ) and {3}\r\n and "quotes"\r\n',
);
const SESSION = Buffer.concat([
  Buffer.from('* 3 EXISTS\r\n'),
  Buffer.from(
    `* 1 FETCH (UID 7 FLAGS (\\Seen $Forwarded) INTERNALDATE " 3-Dec-2026 10:00:05 +0100" RFC822.SIZE ${SOURCE.length} BODY[]<0> {${SOURCE.length}}\r\n`,
  ),
  SOURCE,
  Buffer.from(')\r\n'),
  Buffer.from(`* 2 FETCH (BODY[]<0> {${SOURCE.length}}\r\n`),
  SOURCE,
  Buffer.from(' MODSEQ (12) UID 9 FLAGS ())\r\n'),
  Buffer.from('* 2 FETCH (FLAGS (\\Deleted))\r\n'),
  Buffer.from('* 3 FETCH (UID 10 BODY[]<0> NIL)\r\n'),
  Buffer.from('M1 OK Fetch completed.\r\n'),
]);

describe('IMAP responses read off the socket (the listing FETCH)', () => {
  test('whole responses come out alike whatever the chunks, their bytes kept exactly', () => {
    const whole = split(SESSION, SESSION.length);
    assert.equal(whole.length, 6);
    assert.deepEqual(Buffer.concat(whole.map((r) => r.raw())), SESSION);
    for (const step of [1, 2, 7, 64]) {
      const pieces = split(SESSION, step);
      assert.deepEqual(
        pieces.map((r) => r.text),
        whole.map((r) => r.text),
        `chunks of ${step}`,
      );
      assert.deepEqual(Buffer.concat(pieces.map((r) => r.raw())), SESSION, `chunks of ${step}`);
    }
  });

  test('literals cut from shared slabs keep their own bytes, across slabs and beside large ones', () => {
    // Sizes that fill the 512 KB slabs unevenly, some past the 64 KB a slab serves, each literal's bytes its own.
    const sizes = [
      4100,
      70_000,
      4100,
      65_536,
      1,
      300_000,
      ...Array.from({ length: 400 }, (_, i) => 3000 + i * 7),
    ];
    const literals = sizes.map((size, i) => Buffer.alloc(size, i % 251));
    const session = Buffer.concat(
      literals.flatMap((literal, i) => [
        Buffer.from(`* ${i + 1} FETCH (UID ${i + 1} BODY[]<0> {${literal.length}}\r\n`),
        literal,
        Buffer.from(')\r\n'),
      ]),
    );
    const got = split(session, 60_000, { maxLineBytes: 4096, maxLiteralBytes: 400_000 });
    assert.equal(got.length, literals.length);
    // Checked after all are read: a later literal written over an earlier one would show here.
    for (const [i, response] of got.entries())
      assert.ok(response.literals[0]!.equals(literals[i]!), `literal ${i}`);
  });

  test('a FETCH with a body section is read in any item order; other responses are not the reader’s', () => {
    const [exists, first, second, flagsOnly, nil, done] = split(SESSION, 5);
    assert.equal(readFetchResponse(exists!), null);
    assert.deepEqual(readFetchResponse(first!), {
      uid: 7,
      flags: ['\\Seen', '$Forwarded'],
      internalDate: new Date('2026-12-03T09:00:05Z'),
      size: SOURCE.length,
      source: SOURCE,
    });
    const later = readFetchResponse(second!);
    assert.equal(later?.uid, 9);
    assert.deepEqual(later?.flags, []);
    assert.equal(later?.size, null);
    assert.deepEqual(later?.source, SOURCE);
    assert.equal(readFetchResponse(flagsOnly!), null, 'an unsolicited FETCH of flags is handed on');
    assert.deepEqual(readFetchResponse(nil!)?.source, null);
    assert.equal(readFetchResponse(done!), null);
  });

  test('a quoted body, escapes and a section with spaces in brackets', () => {
    const [r] = split(
      Buffer.from(
        '* 4 FETCH (BODY[HEADER.FIELDS (SUBJECT)] "a \\"b\\" \\\\c" UID 11 X-GM-LABELS ("x" y))\r\n',
      ),
      3,
    );
    const fetched = readFetchResponse(r!);
    assert.equal(fetched?.uid, 11);
    assert.equal(fetched?.source?.toString('latin1'), 'a "b" \\c');
  });

  test('a response without a UID is a protocol error, not a message', () => {
    const [r] = split(Buffer.from('* 4 FETCH (BODY[] {1}\r\nx)\r\n'), 100);
    assert.throws(() => readFetchResponse(r!), /no UID/);
  });

  test('a line or a literal past the bounds is refused, not held', () => {
    assert.throws(() => split(Buffer.from(`* OK ${'x'.repeat(5000)}\r\n`), 512), ResponseTooLargeError);
    assert.throws(() => split(Buffer.from('* 1 FETCH (BODY[] {2000}\r\n'), 512), ResponseTooLargeError);
  });

  test('what follows a response is given back as it came', () => {
    const out: RawResponse[] = [];
    const splitter = new ResponseSplitter((r) => out.push(r), LIMITS);
    splitter.push(Buffer.from('M2 OK done\r\n* 4 FETCH (BODY[] {5}\r\nab'));
    assert.equal(out.length, 1);
    assert.equal(splitter.takeRest().toString(), '* 4 FETCH (BODY[] {5}\r\nab');
    assert.equal(splitter.takeRest().length, 0);
  });

  test('INTERNALDATE in both day forms and with a negative zone; a malformed one is null', () => {
    assert.deepEqual(parseInternalDate('03-Dec-2026 23:30:00 -0230'), new Date('2026-12-04T02:00:00Z'));
    assert.deepEqual(parseInternalDate(' 3-dec-2026 00:00:00 +0000'), new Date('2026-12-03T00:00:00Z'));
    assert.equal(parseInternalDate('3 Dec 2026'), null);
    assert.equal(parseInternalDate('03-Foo-2026 00:00:00 +0000'), null);
  });
});

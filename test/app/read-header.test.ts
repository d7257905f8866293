import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readHeader } from '../../src/messages/read-header.ts';

// The listing reads each message's envelope from its header block (src/messages/read-header.ts) and holds
// it until its batch commits (issue 12). Exchange Online's header blocks are mostly fields the envelope
// does not read: they must not stay in memory with it.

/** A header block as Exchange Online sends one: ~7 KB, nearly all of it Received, ARC and X-MS-Exchange-…. */
const exchangeHeader = (i: number, subject: string): string =>
  [
    ...Array.from(
      { length: 6 },
      (_, k) =>
        `Received: from AM0PR01MB${k}${i}.eurprd01.prod.exchangelabs.com (2603:10a6:208:${k}::${i}) by\r\n AS8PR01MB${k}.eurprd01.prod.exchangelabs.com with HTTPS; Tue, 1 Dec 2026 10:0${k}:00 +0000`,
    ),
    `ARC-Seal: i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none;\r\n b=${'Q'.repeat(340)}`,
    `ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=microsoft.com;\r\n b=${'Z'.repeat(340)}`,
    ...Array.from(
      { length: 40 },
      (_, k) => `X-MS-Exchange-CrossTenant-Field${k}: ${`${i}a1b2c3d4`.repeat(12)}`,
    ),
    'From: "Lovelace, Ada" <ada@contoso.test>',
    'To: Grace Hopper <grace@contoso.test>, alan@contoso.test',
    'Cc: =?UTF-8?B?SsO2cmc=?= <joerg@contoso.test>',
    `Subject: ${subject}`,
    `Message-ID: <m${i}@contoso.test>`,
    'In-Reply-To: <root@contoso.test>',
    'References: <root@contoso.test>\r\n <second@contoso.test>',
    'Date: Tue, 01 Dec 2026 10:00:00 +0000',
    '',
    'Body.',
  ].join('\r\n');

test('the envelope is read from an Exchange Online header block, folded and encoded fields included', () => {
  const h = readHeader(Buffer.from(exchangeHeader(1, '=?UTF-8?Q?Caf=C3=A9?= order\r\n for December')));
  assert.equal(h.subject, 'Café order for December');
  assert.deepEqual(h.from, { name: 'Lovelace, Ada', address: 'ada@contoso.test' });
  assert.deepEqual(h.to, [
    { name: 'Grace Hopper', address: 'grace@contoso.test' },
    { name: '', address: 'alan@contoso.test' },
  ]);
  assert.deepEqual(h.cc, [{ name: 'Jörg', address: 'joerg@contoso.test' }]);
  assert.equal(h.messageId, 'm1@contoso.test');
  assert.equal(h.inReplyTo, 'root@contoso.test');
  assert.deepEqual(h.references, ['root@contoso.test', 'second@contoso.test']);
  assert.equal(h.date?.toISOString(), '2026-12-01T10:00:00.000Z');
  // Raw UTF-8 in the header (not ASCII): read as well.
  assert.equal(readHeader(Buffer.from(exchangeHeader(2, 'Grüße aus Köln'))).subject, 'Grüße aus Köln');
});

test('envelopes held by the listing keep none of the header block they do not use', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const n = 2000;
  const ascii = Array.from({ length: n / 2 }, (_, i) => Buffer.from(exchangeHeader(i, `Order ${i}`)));
  const utf8 = Array.from({ length: n / 2 }, (_, i) => Buffer.from(exchangeHeader(i, `Größe ${i}`)));
  assert.ok(ascii[0]!.indexOf('\r\n\r\n') > 7000, 'a header block of over 7 KB');
  gc();
  const before = process.memoryUsage().heapUsed;
  const held = [...ascii, ...utf8].map((source) => readHeader(source));
  gc();
  const perMessage = (process.memoryUsage().heapUsed - before) / n;
  assert.equal(held.length, n);
  // ~1.5 KB each; ~10 KB when each field was cut from the whole block's text (a V8 slice keeps its parent).
  assert.ok(perMessage < 2500, `${perMessage.toFixed(0)} bytes held per envelope`);
});

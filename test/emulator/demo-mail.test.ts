// The emulator's demo mail (startEmulator({ demoMail: true })): every demo mailbox holds six weeks of
// generated mail over IMAP, dated and flagged as its story says, and its files are valid files.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { crc32, inflateSync } from 'node:zlib';
import { chartPng, pdf, xlsx } from '../../emulator/mail/demo/files.ts';
import { demoMailOf } from '../../emulator/mail/demo/seed-demo-mail.ts';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { inEmulatorFolder } from '../support/mail-token.ts';

const ADELE = `adele@${DEMO.domain}`;
const DAY = 86_400_000;

let emu: RunningEmulator;
let plain: RunningEmulator;
let startedAt: number;
before(async () => {
  startedAt = Date.now();
  [emu, plain] = await Promise.all([startEmulator({ demoMail: true }), startEmulator()]);
});
after(async () => {
  await Promise.all([emu?.stop(), plain?.stop()]);
});

describe('the demo mail', () => {
  test('each demo user with a mailbox and support@ get a few dozen messages; the others none', () => {
    const boxes = demoMailOf(emu.ctx, emu.demo!, startedAt);
    assert.deepEqual(
      boxes.map((b) => b.address),
      [ADELE, `megan@${DEMO.domain}`, `alex@${DEMO.otherDomain}`, `support@${DEMO.domain}`],
    );
    for (const box of boxes) {
      const inbox = box.messages.filter((m) => m.folder === 'INBOX').length;
      assert.ok(inbox >= 24 && inbox <= 60, `${box.address}: ${inbox} in INBOX`);
    }
  });

  test('the same clock writes the same bytes (no randomness)', () => {
    const a = demoMailOf(emu.ctx, emu.demo!, startedAt);
    const b = demoMailOf(emu.ctx, emu.demo!, startedAt);
    assert.deepEqual(
      a.flatMap((box) => box.messages.map((m) => m.raw.toString('base64'))),
      b.flatMap((box) => box.messages.map((m) => m.raw.toString('base64'))),
    );
    for (const m of a.flatMap((box) => box.messages))
      assert.match(m.raw.toString('latin1'), /^[\x00-\x7f]*$/, 'every message is 7-bit on the wire');
  });

  for (const [address, delegate] of [
    [`megan@${DEMO.domain}`, `megan@${DEMO.domain}`],
    [`support@${DEMO.domain}`, ADELE],
  ] as const)
    test(`${address} over IMAP: spread over six weeks by INTERNALDATE, some read, some flagged`, async () => {
      const expected = demoMailOf(emu.ctx, emu.demo!, startedAt).find((b) => b.address === address)!;
      const fetched = await inEmulatorFolder(
        emu,
        address,
        'INBOX',
        async (client) => {
          const out: { date: Date; flags: Set<string>; subject: string }[] = [];
          for await (const m of client.fetch('1:*', { internalDate: true, flags: true, envelope: true }))
            out.push({
              date: m.internalDate as Date,
              flags: m.flags ?? new Set(),
              subject: m.envelope?.subject ?? '',
            });
          return out;
        },
        delegate,
      );
      assert.equal(fetched.length, expected.messages.filter((m) => m.folder === 'INBOX').length);
      const times = fetched.map((m) => m.date.getTime());
      assert.ok(Math.min(...times) < startedAt - 35 * DAY, 'the oldest is more than five weeks old');
      assert.ok(Math.min(...times) > startedAt - 43 * DAY, 'none older than six weeks');
      assert.ok(Math.max(...times) > startedAt - DAY && Math.max(...times) <= Date.now());
      assert.deepEqual(
        times,
        [...times].sort((a, b) => a - b),
        'UIDs follow the time of arrival',
      );
      const seen = fetched.filter((m) => m.flags.has('\\Seen')).length;
      assert.ok(seen > 5 && seen < fetched.length, `${seen} of ${fetched.length} read`);
      assert.ok(fetched.some((m) => m.flags.has('\\Flagged')));
      assert.ok(fetched.some((m) => m.subject.startsWith('Northwind Traders Weekly')));
    });

  test('an emulator started without demoMail has empty demo mailboxes', async () => {
    const exists = await inEmulatorFolder(plain, ADELE, 'INBOX', async (client) =>
      client.mailbox === false ? -1 : client.mailbox.exists,
    );
    assert.equal(exists, 0);
  });
});

describe('the demo files are valid files', () => {
  test('PNG: every chunk’s CRC holds and IDAT inflates to the image', () => {
    const bytes = chartPng([0.2, 0.9], [0, 0, 255]);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    let at = 8;
    let width = 0;
    let height = 0;
    const types: string[] = [];
    while (at < bytes.length) {
      const length = bytes.readUInt32BE(at);
      const type = bytes.subarray(at + 4, at + 8).toString('ascii');
      const data = bytes.subarray(at + 8, at + 8 + length);
      assert.equal(bytes.readUInt32BE(at + 8 + length), crc32(bytes.subarray(at + 4, at + 8 + length)), type);
      if (type === 'IHDR') [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
      if (type === 'IDAT') assert.equal(inflateSync(data).length, height * (1 + width * 3));
      types.push(type);
      at += 12 + length;
    }
    assert.deepEqual(types, ['IHDR', 'IDAT', 'IEND']);
  });

  test('PDF: the cross-reference table points at each object', () => {
    const text = pdf('Invoice (test)', ['a line']).toString('latin1');
    const xrefAt = Number(/startxref\n(\d+)/.exec(text)![1]);
    assert.ok(text.startsWith('xref', xrefAt));
    const offsets = [...text.slice(xrefAt).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    assert.equal(offsets.length, 6);
    for (const [i, o] of offsets.entries())
      assert.ok(text.startsWith(`${i + 1} 0 obj`, o), `object ${i + 1}`);
  });

  test('XLSX: a ZIP whose central directory finds each part with its CRC', () => {
    const bytes = xlsx('Q3', [['Region', 1]]);
    const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const count = bytes.readUInt16LE(end + 10);
    let at = bytes.readUInt32LE(end + 16);
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      assert.equal(bytes.readUInt32LE(at), 0x02014b50);
      const crc = bytes.readUInt32LE(at + 16);
      const size = bytes.readUInt32LE(at + 20);
      const nameLength = bytes.readUInt16LE(at + 28);
      const local = bytes.readUInt32LE(at + 42);
      const name = bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8');
      assert.equal(bytes.readUInt32LE(local), 0x04034b50);
      const dataAt = local + 30 + bytes.readUInt16LE(local + 26);
      assert.equal(crc32(bytes.subarray(dataAt, dataAt + size)), crc, name);
      names.push(name);
      at += 46 + nameLength;
    }
    assert.ok(names.includes('[Content_Types].xml') && names.includes('xl/worksheets/sheet1.xml'));
  });
});

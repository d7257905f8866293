// bench/parse-store.ts: parse + store of 2,000 generated ~4 KB messages into SQLite (threads, a third of
// them text+HTML, one in ten with a small attachment), beside mailparser's simpleParser on the same
// messages in the same run (the baseline: ~2,550 msg/s on this machine kind, performance-baselines.md).
// Each of three rounds runs the baseline, our parse alone, and parse + store into a fresh mailbox; the
// medians are printed with the ratio to the baseline.
// Run: npx tsx bench/parse-store.ts [count]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { insertMailbox } from '../src/mailboxes/repository.ts';
import { createFileBlobStore } from '../src/messages/blob-store.ts';
import { parseMessage } from '../src/messages/parse-message.ts';
import { storeMessage } from '../src/messages/store-message.ts';

const count = Number(process.argv[2] ?? 2000);
const ROUNDS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const WORDS = 'the invoice for march is attached please confirm receipt of order café délai réunion'.split(
  ' ',
);
const prose = (seed: number, bytes: number): string => {
  const out: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const word = WORDS[(seed * 31 + i * 7) % WORDS.length]!;
    out.push(i % 12 === 11 ? `${word}.\r\n` : word);
    n += word.length + 1;
  }
  return out.join(' ');
};

/** Message i: every fifth starts a thread, the others reply to the previous one with References. */
const generate = (i: number): Buffer => {
  const root = i - (i % 5);
  const refs = Array.from({ length: i % 5 }, (_, k) => `<msg-${root + k}@bench.contoso.test>`).join(' ');
  const head = [
    `From: "Sender ${i % 40}" <sender${i % 40}@fabrikam.test>`,
    'To: Support <support@contoso.test>',
    `Subject: ${i % 5 ? 'Re: ' : ''}Order ${root} — délai`,
    `Date: ${new Date(Date.UTC(2026, 10, 1) + i * 60_000).toUTCString()}`,
    `Message-ID: <msg-${i}@bench.contoso.test>`,
    ...(refs ? [`In-Reply-To: <msg-${i - 1}@bench.contoso.test>`, `References: ${refs}`] : []),
    'MIME-Version: 1.0',
  ];
  const text = prose(i, 3000);
  if (i % 10 === 9) {
    const attachment = Buffer.from(prose(i + 1, 600))
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n');
    return Buffer.from(
      `${head.join('\r\n')}\r\nContent-Type: multipart/mixed; boundary="m${i}"\r\n\r\n--m${i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n--m${i}\r\nContent-Type: application/pdf; name="order-${i}.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--m${i}--\r\n`,
    );
  }
  if (i % 3 === 0) {
    const half = text.slice(0, 1500);
    return Buffer.from(
      `${head.join('\r\n')}\r\nContent-Type: multipart/alternative; boundary="a${i}"\r\n\r\n--a${i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${half}\r\n--a${i}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>${half.replace(/\r\n/g, '</p><p>')}</p></body></html>\r\n--a${i}--\r\n`,
    );
  }
  return Buffer.from(`${head.join('\r\n')}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`);
};

const messages = Array.from({ length: count }, (_, i) => generate(i));
const totalBytes = messages.reduce((n, m) => n + m.length, 0);
const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-bench-'));
const db = openDatabase(parseConfig({ MAILROOM_DATA_DIR: dataDir }).database);
await migrateToLatest(db);
// A fresh blob folder per run, so every run writes its attachments anew rather than finding them.
let runs = 0;
const freshBlobs = () => createFileBlobStore(join(dataDir, `blobs-${runs++}`));

const rate = async (run: (source: Buffer, i: number) => Promise<unknown>): Promise<number> => {
  const started = performance.now();
  for (const [i, source] of messages.entries()) await run(source, i);
  return count / ((performance.now() - started) / 1000);
};

try {
  const baseline: number[] = [];
  const parseOnly: number[] = [];
  const stored: number[] = [];
  let lastMailbox = '';
  // Warm-up: the first thousand parses of a process run before the JIT has compiled the parsers.
  const warmBlobs = freshBlobs();
  for (const source of messages.slice(0, 500)) {
    await simpleParser(source);
    await parseMessage(source, warmBlobs);
  }
  for (let round = 0; round < ROUNDS; round++) {
    baseline.push(await rate((source) => simpleParser(source)));
    const parseBlobs = freshBlobs();
    parseOnly.push(await rate((source) => parseMessage(source, parseBlobs)));
    const blobs = freshBlobs();
    const box = await insertMailbox(db, {
      kind: 'system',
      ownerUserId: null,
      label: `Bench ${round}`,
      address: `bench${round}@contoso.test`,
    });
    lastMailbox = box.id;
    stored.push(
      await rate((source, i) =>
        storeMessage(db, blobs, {
          mailboxId: box.id,
          path: 'INBOX',
          uidValidity: 1,
          uid: i + 1,
          flags: i % 2 ? ['\\Seen'] : [],
          internalDate: new Date(Date.UTC(2026, 10, 1) + i * 60_000),
          size: source.length,
          source,
        }),
      ),
    );
  }
  const threads = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.count<number>('thread_id').distinct().as('n'))
    .where('mailbox_id', '=', lastMailbox)
    .executeTakeFirstOrThrow();
  const fmt = (xs: number[]) => `${Math.round(median(xs))} msg/s (runs: ${xs.map(Math.round).join(', ')})`;
  console.log(
    `${count} messages, ${(totalBytes / count / 1024).toFixed(1)} KB on average, SQLite, ${ROUNDS} rounds`,
  );
  console.log(`baseline mailparser simpleParser:   ${fmt(baseline)}`);
  console.log(`parseMessage (attachments to blobs): ${fmt(parseOnly)}`);
  console.log(`parse + storeMessage:               ${fmt(stored)}`);
  console.log(`ratio parse+store / baseline: ${(median(stored) / median(baseline)).toFixed(2)}`);
  console.log(`threads in the last mailbox: ${Number(threads.n)} (${count / 5} expected)`);
} finally {
  await db.destroy();
  rmSync(dataDir, { recursive: true, force: true });
}

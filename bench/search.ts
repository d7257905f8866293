// bench/search.ts: searching a mailbox of N stored messages (~2 KB of text each) with the full-text index
// (listMessages, migration 0006) beside the LIKE scan over the same columns that Mailroom used before,
// in the same run on the same rows. Each query runs 5 times; medians are printed with the ratio.
// Run: npx tsx bench/search.ts [messages] [sqlite|postgres]
import { randomUUID } from 'node:crypto';
import { type ExpressionBuilder, sql } from 'kysely';
import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Database } from '../src/db/schema.ts';
import { insertMailbox } from '../src/mailboxes/repository.ts';
import { keyColumns } from '../src/messages/lookup-keys.ts';
import { listMessages } from '../src/messages/queries.ts';
import { createTestDatabase, type DbKind } from '../test/support/databases.ts';

const count = Number(process.argv[2] ?? 20_000);
const kind = (process.argv[3] ?? 'sqlite') as DbKind;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const VOCABULARY = (
  'invoice order delivery meeting quarterly review budget contract renewal support ticket ' +
  'customer account statement payment reminder schedule project update release report kickoff ' +
  'warehouse shipment supplier pricing discount proposal agenda minutes travel expense approval'
).split(' ');
const text = (seed: number, words: number) =>
  Array.from({ length: words }, (_, i) => VOCABULARY[(seed * 7919 + i * 104729) % VOCABULARY.length]).join(
    ' ',
  );

const testDb = await createTestDatabase(kind);
const db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
try {
  await migrateToLatest(db);
  const mailbox = await insertMailbox(db, {
    kind: 'system',
    ownerUserId: null,
    label: 'Bench',
    address: 'bench@x.test',
  });
  const started = performance.now();
  for (let at = 0; at < count; at += 40) {
    const rows = Array.from({ length: Math.min(40, count - at) }, (_, k) => {
      const i = at + k;
      const id = randomUUID();
      return {
        id,
        mailbox_id: mailbox.id,
        dedupe_key: `mid:${id}`,
        message_id: `${id}@bench.test`,
        thread_id: id.replace(/-/g, ''),
        ...keyColumns(mailbox.id, id.replace(/-/g, ''), `${id}@bench.test`),
        subject: `${text(i, 4)} ${i}`,
        from_address: `sender${i % 500}@fabrikam.test`,
        from_name: `Sender ${i % 500}`,
        to_json: JSON.stringify([{ name: '', address: 'bench@x.test' }]),
        cc_json: '[]',
        received_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
        in_reply_to: null,
        references: '[]',
        sent_at: null,
        size: 2048,
        body_html: null,
        has_attachments: 0,
        parse_warnings: '[]',
        snippet: '',
        body_text: `${text(i * 3, 300)}${i === Math.floor(count / 2) ? ' pineapple' : ''}`,
        created_at: new Date().toISOString(),
      };
    });
    await db.insertInto('messages').values(rows).execute();
    await db
      .insertInto('message_locations')
      .values(
        rows.map((r, k) => ({
          mailbox_id: mailbox.id,
          path: 'INBOX',
          uidvalidity: 1,
          uid: at + k + 1,
          message_id: r.id,
          seen: 0,
          flagged: 0,
          answered: 0,
          draft: 0,
          pending_flags: null,
        })),
      )
      .execute();
  }
  const loadMs = performance.now() - started;
  // The search as it was before migration 0006 (messages/queries.ts at c7ae829^): the same list — flags
  // over the copies, only messages with a copy, newest first, a page of 50 plus one — with LIKE.
  const like = (q: string) => {
    const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`;
    const columns = ['m.subject', 'm.from_address', 'm.from_name', 'm.to_json', 'm.cc_json', 'm.body_text'];
    const copies = (eb: ExpressionBuilder<Database & { m: Database['messages'] }, 'm'>) =>
      eb.selectFrom('message_locations as l').whereRef('l.message_id', '=', 'm.id');
    return db
      .selectFrom('messages as m')
      .select(['m.id', 'm.subject', 'm.snippet', 'm.received_at'])
      .select((eb) => [
        copies(eb)
          .select((e) => e.fn.max('l.seen').as('v'))
          .as('seen'),
        copies(eb)
          .select((e) => e.fn.max('l.flagged').as('v'))
          .as('flagged'),
      ])
      .where('m.mailbox_id', '=', mailbox.id)
      .where((eb) => eb.exists(copies(eb).select('l.uid')))
      .where((eb) =>
        eb.or(columns.map((c) => sql<boolean>`lower(${sql.ref(c)}) like ${pattern} escape '\\'`)),
      )
      .orderBy('m.received_at', 'desc')
      .orderBy('m.id', 'desc')
      .limit(51)
      .execute();
  };
  console.log(`${count} messages of ~2 KB on ${kind} (loaded in ${Math.round(loadMs)} ms)`);
  // One rare word, an address, and a common word: each found by both searches.
  for (const q of ['pineapple', 'sender42@fabrikam', 'budget']) {
    const fts: number[] = [];
    const scan: number[] = [];
    let found = 0;
    let scanned = 0;
    for (let round = 0; round < 5; round++) {
      let t = performance.now();
      found = (await listMessages(db, { mailboxId: mailbox.id, limit: 50, search: q })).messages.length;
      fts.push(performance.now() - t);
      t = performance.now();
      scanned = Math.min((await like(q)).length, 50);
      scan.push(performance.now() - t);
    }
    console.log(
      `"${q}": full-text ${median(fts).toFixed(1)} ms (${found} found) · LIKE scan ${median(scan).toFixed(1)} ms (${scanned} found) · ratio LIKE/full-text ${(median(scan) / median(fts)).toFixed(1)}`,
    );
  }
} finally {
  await db.destroy();
  await testDb.drop();
}

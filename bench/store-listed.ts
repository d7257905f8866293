// bench/store-listed.ts: the listing's database writes alone — storeListed of `batches` batches of 1,000
// generated ~4 KB messages (as the emulator seeds them) into one folder, the way the sync stores a FETCH
// window — beside the same rows inserted by the simplest statements (the baseline: one plain multi-row
// INSERT per table, no threading look-ups, no cursor) in the same run.
// Run: npx tsx bench/store-listed.ts [sqlite|postgres] [batches=20] [--no-baseline]
import pg from 'pg';
import { generateMessage } from '../emulator/mail/seed.ts';
import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { insertMailbox } from '../src/mailboxes/repository.ts';
import { keyColumns } from '../src/messages/lookup-keys.ts';
import { readHeader } from '../src/messages/read-header.ts';
import { type ListedMessage, storeListed } from '../src/messages/store-listed.ts';
import { createTestDatabase, type DbKind } from '../test/support/databases.ts';

const kind = (process.argv[2] ?? 'postgres') as DbKind;
const batches = Number(process.argv[3] ?? 20);
const BATCH = 1000;

/** `--statements`: each statement's time (sent to answered) summed by its first words, on PostgreSQL. */
const statements = new Map<string, { n: number; ms: number }>();
if (process.argv.includes('--statements')) {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string })?.text ?? '');
    const started = performance.now();
    const result = query.apply(this, args);
    const done = result instanceof Promise ? result : (result as { done?: Promise<unknown> })?.done;
    if (done instanceof Promise)
      void done
        .finally(() => {
          const key = text.replace(/\s+/g, ' ').slice(0, 60);
          const s = statements.get(key) ?? { n: 0, ms: 0 };
          s.n++;
          s.ms += performance.now() - started;
          statements.set(key, s);
        })
        .catch(() => undefined);
    return result;
  } as typeof pg.Client.prototype.query;
}
const testDb = await createTestDatabase(kind);
const db = openDatabase(parseConfig(testDb.env).database);
try {
  await migrateToLatest(db);
  const mailbox = async (n: number) =>
    (
      await insertMailbox(db, {
        kind: 'system',
        ownerUserId: null,
        label: `Bench ${n}`,
        address: `bench${n}@contoso.test`,
      })
    ).id;
  const sources = Array.from({ length: batches * BATCH }, (_, i) =>
    generateMessage(i, { to: 'bench@contoso.test' }),
  );
  const listed = (mailboxId: string, i: number): ListedMessage => ({
    input: {
      mailboxId,
      path: 'Archive',
      uidValidity: 7,
      uid: i + 1,
      flags: i % 3 ? ['\\Seen'] : [],
      internalDate: new Date(Date.UTC(2026, 10, 1) + i * 1000),
      size: sources[i]!.length,
    },
    header: readHeader(sources[i]!),
    source: sources[i]!,
    blobSha256: null,
  });

  const timed = async (name: string, run: (mailboxId: string) => Promise<void>) => {
    const mailboxId = await mailbox(Math.random());
    const cpu = process.cpuUsage();
    const started = performance.now();
    await run(mailboxId);
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const n = batches * BATCH;
    console.log(
      `${name}: ${n} in ${ms.toFixed(0)} ms = ${((n / ms) * 1000).toFixed(0)} msg/s; this process's CPU ${((used.user + used.system) / 1000).toFixed(0)} ms`,
    );
    return ms;
  };

  // The baseline: each table's rows of a batch in one plain INSERT, one transaction a batch.
  const plain = process.argv.includes('--no-baseline')
    ? 0
    : await timed('plain INSERTs (baseline)', async (mailboxId) => {
        for (let b = 0; b < batches; b++) {
          const idx = Array.from({ length: BATCH }, (_, k) => b * BATCH + k);
          await db.transaction().execute(async (trx) => {
            for (const part of [idx.slice(0, 500), idx.slice(500)]) {
              await trx
                .insertInto('messages')
                .values(
                  part.map((i) => ({
                    id: `${mailboxId}-${i}`,
                    mailbox_id: mailboxId,
                    dedupe_key: `k${i}`,
                    thread_id: `t${i}`,
                    ...keyColumns(mailboxId, `t${i}`, null),
                    subject: `Seeded message ${i}`,
                    references: '[]',
                    to_json: '[]',
                    cc_json: '[]',
                    size: sources[i]!.length,
                    snippet: '',
                    has_attachments: 0,
                    parse_warnings: '[]',
                    received_at: new Date().toISOString(),
                    created_at: new Date().toISOString(),
                    parse_state: 'pending',
                  })),
                )
                .execute();
              await trx
                .insertInto('message_sources')
                .values(
                  part.map((i) => ({
                    message_id: `${mailboxId}-${i}`,
                    source: sources[i]!,
                    blob_sha256: null,
                  })),
                )
                .execute();
              await trx
                .insertInto('message_locations')
                .values(
                  part.map((i) => ({
                    mailbox_id: mailboxId,
                    path: 'Archive',
                    uidvalidity: 7,
                    uid: i + 1,
                    message_id: `${mailboxId}-${i}`,
                    seen: 0,
                    flagged: 0,
                    answered: 0,
                    draft: 0,
                  })),
                )
                .execute();
            }
          });
        }
      });

  const ours = await timed('storeListed', async (mailboxId) => {
    for (let b = 0; b < batches; b++) {
      const batch = Array.from({ length: BATCH }, (_, k) => listed(mailboxId, b * BATCH + k));
      await storeListed(db, batch);
    }
  });
  if (plain) console.log(`ratio baseline / storeListed (time): ${(plain / ours).toFixed(2)}`);
  for (const [text, s] of [...statements].sort((a, b) => b[1].ms - a[1].ms))
    console.log(`${s.ms.toFixed(0).padStart(6)} ms ${String(s.n).padStart(4)}× ${text}`);
} finally {
  await db.destroy();
  await testDb.drop();
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KyselyPlugin, OperationNode, PluginTransformResultArgs, QueryResult, UnknownRow } from 'kysely';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { createListingGroup } from '../../src/messages/listing-group.ts';
import { readHeader } from '../../src/messages/read-header.ts';
import { type ListedMessage, storeListed } from '../../src/messages/store-listed.ts';
import { capturingLog } from '../support/capturing-log.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';

// Arrival rounds of many mailboxes that finish their FETCH together commit together (issue 12: a thousand
// mailboxes' arrivals listed within 2 s on one worker): one transaction, a handful of statements, and yet
// each round's messages, threads, cursor and event are its own mailbox's, and a round that cannot be
// stored fails alone.

const header = (text: string) => readHeader(Buffer.from(`${text}\r\n\r\nbody\r\n`));

/** Counts the inserts into `events` (one per transaction that records events). */
const eventInserts = () => {
  const plugin = {
    count: 0,
    transformQuery({ node }: { node: OperationNode }) {
      const insert = node as unknown as {
        kind: string;
        into?: { table?: { identifier?: { name?: string } } };
      };
      if (insert.kind === 'InsertQueryNode' && insert.into?.table?.identifier?.name === 'events')
        plugin.count++;
      return node;
    },
    transformResult: async ({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> =>
      result,
  };
  return plugin as typeof plugin & KyselyPlugin;
};

for (const kind of DATABASES) {
  describe(`arrival rounds committed together, on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let label = 0;
    const { log, lines } = capturingLog();
    /** The Inbox's cursor and count as the rounds left them. */
    const cursorOf = (mailboxId: string) =>
      db
        .selectFrom('folder_sync_state')
        .select(['uid_next', 'stored_messages'])
        .where('mailbox_id', '=', mailboxId)
        .executeTakeFirstOrThrow();
    const freshMailbox = async () => {
      label++;
      const id = (
        await insertMailbox(db, {
          kind: 'system',
          ownerUserId: null,
          label: `Group ${label}`,
          address: `group${label}@contoso.test`,
        })
      ).id;
      await db
        .insertInto('folder_sync_state')
        .values({ mailbox_id: id, path: 'INBOX', uid_next: 5, uidvalidity: 7 })
        .execute();
      return id;
    };
    const arrival = (mailboxId: string, uid: number, text: string): ListedMessage => ({
      input: {
        mailboxId,
        path: 'INBOX',
        uidValidity: 7,
        uid,
        flags: ['\\Seen'],
        internalDate: null,
        size: 40,
      },
      header: header(text),
      source: Buffer.from(`${text}\r\n\r\nbody\r\n`),
      blobSha256: null,
    });
    const progress = (mailboxId: string, uidNext: number) => ({
      mailboxId,
      path: 'INBOX',
      uidNext,
      storedMessages: 1,
    });

    before(async () => {
      testDb = await createTestDatabase(kind);
      db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
      await migrateToLatest(db);
    });
    after(async () => {
      await db?.destroy();
      await testDb?.drop();
    });

    test('rounds waiting together share one transaction, each stored in its own mailbox', async () => {
      const mailboxes = await Promise.all(Array.from({ length: 30 }, () => freshMailbox()));
      const counter = eventInserts();
      const group = createListingGroup(db.withPlugin(counter), log);
      // The same folder and UID in every mailbox: places are told apart by their mailbox.
      const results = await Promise.all(
        mailboxes.map((m, i) =>
          group(
            [arrival(m, 5, `Subject: Round ${i}\r\nMessage-ID: <round${i}@contoso.test>`)],
            progress(m, 6),
          ),
        ),
      );
      assert.equal(counter.count, 1, 'one transaction recorded every round');
      for (const [i, m] of mailboxes.entries()) {
        assert.equal(results[i]!.length, 1);
        assert.equal(results[i]![0]!.created, true);
        const row = await db
          .selectFrom('messages')
          .innerJoin('message_locations as l', 'l.message_id', 'messages.id')
          .select(['messages.mailbox_id', 'messages.subject', 'l.uid', 'l.seen'])
          .where('messages.id', '=', results[i]![0]!.messageId)
          .executeTakeFirstOrThrow();
        assert.deepEqual(row, { mailbox_id: m, subject: `Round ${i}`, uid: 5, seen: 1 });
        assert.deepEqual(await cursorOf(m), { uid_next: 6, stored_messages: 1 });
        const events = await db
          .selectFrom('events')
          .select('payload_json')
          .where('mailbox_id', '=', m)
          .execute();
        assert.equal(events.length, 1, 'one messages.stored event per round');
        assert.deepEqual(JSON.parse(events[0]!.payload_json).messageIds, [results[i]![0]!.messageId]);
      }
      // A round alone (nothing else waiting) is committed at once, and a round with nothing new moves its cursor.
      const quiet = await freshMailbox();
      assert.deepEqual(await group([], progress(quiet, 9)), []);
      assert.equal(counter.count, 1, 'a cursor alone records no event');
      assert.equal((await cursorOf(quiet)).uid_next, 9);
    });

    test('threads are found in each round’s own mailbox', async () => {
      const [a, b] = [await freshMailbox(), await freshMailbox()];
      const [parent] = await storeListed(db, [
        arrival(a, 1, 'Subject: Start\r\nMessage-ID: <start@contoso.test>'),
      ]);
      await db
        .updateTable('messages')
        .set({ thread_id: 'thread-of-a' })
        .where('id', '=', parent!.messageId)
        .execute();
      const group = createListingGroup(db, log);
      const reply =
        'Subject: Re: Start\r\nMessage-ID: <re@contoso.test>\r\nIn-Reply-To: <start@contoso.test>';
      const [inA, inB] = await Promise.all([
        group([arrival(a, 5, reply)], progress(a, 6)),
        group([arrival(b, 5, reply)], progress(b, 6)),
      ]);
      const threadOf = async (id: string) =>
        (await db.selectFrom('messages').select('thread_id').where('id', '=', id).executeTakeFirstOrThrow())
          .thread_id;
      assert.equal(await threadOf(inA![0]!.messageId), 'thread-of-a');
      assert.notEqual(
        await threadOf(inB![0]!.messageId),
        'thread-of-a',
        'another mailbox’s thread is not joined',
      );
    });

    test('a round that cannot be stored fails alone; the others it waited with are stored', async () => {
      const [a, b] = [await freshMailbox(), await freshMailbox()];
      const counter = eventInserts();
      const group = createListingGroup(db.withPlugin(counter), log);
      const gone = '00000000-0000-4000-8000-000000000000';
      const outcomes = await Promise.allSettled([
        group([arrival(a, 5, 'Subject: Fine A')], progress(a, 6)),
        group([arrival(gone, 5, 'Subject: No such mailbox')], progress(gone, 6)),
        group([arrival(b, 5, 'Subject: Fine B')], progress(b, 6)),
      ]);
      assert.equal(outcomes[0]!.status, 'fulfilled');
      assert.equal(outcomes[1]!.status, 'rejected');
      assert.equal(outcomes[2]!.status, 'fulfilled');
      // The shared transaction was tried (it failed on the messages, before its events) and rolled back,
      // then each round alone: the good two committed, each with its event.
      assert.equal(counter.count, 2);
      assert.ok(
        lines.some((line) => line.event === 'arrival.group_failed'),
        'the failed shared commit is logged',
      );
      for (const m of [a, b]) {
        const n = await db.selectFrom('messages').select('subject').where('mailbox_id', '=', m).execute();
        assert.equal(n.length, 1);
      }
      const orphans = await db.selectFrom('messages').select('id').where('mailbox_id', '=', gone).execute();
      assert.equal(orphans.length, 0);
    });

    test('a round cut while it waits for its turn is not stored (its lease may be another’s by then)', async () => {
      const [a, b] = [await freshMailbox(), await freshMailbox()];
      const group = createListingGroup(db, log);
      const first = group([arrival(a, 5, 'Subject: Committing')], progress(a, 6));
      // The first round's commit is under way; the second waits for the next one, and is cut meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      const cut = new AbortController();
      const second = group([arrival(b, 5, 'Subject: Cut')], progress(b, 6), cut.signal);
      cut.abort(new Error('the sync lease was lost'));
      assert.equal((await first).length, 1);
      await assert.rejects(second, /the sync lease was lost/);
      const stored = await db.selectFrom('messages').select('id').where('mailbox_id', '=', b).execute();
      assert.equal(stored.length, 0);
      assert.equal((await cursorOf(b)).uid_next, 5, 'the cursor stays where it was');
    });
  });
}

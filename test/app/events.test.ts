import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { inTransaction, recordEvent } from '../../src/events/record-event.ts';
import { insertMailbox, setMailboxState } from '../../src/mailboxes/repository.ts';
import { type PreparedMessage, prepareMessage, storePrepared } from '../../src/messages/store-message.ts';
import { findOutgoing, finishAttempt } from '../../src/send/outgoing-store.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, STAFF, startTestApp, type TestApp } from '../support/app.ts';
import { DATABASES } from '../support/databases.ts';
import { waitFor } from '../support/wait-for.ts';

const message = (n: number) =>
  Buffer.from(
    `From: ada@contoso.test\r\nTo: sam@contoso.test\r\nSubject: Event ${n}\r\nMessage-ID: <event-${n}@contoso.test>\r\n\r\nBody ${n}\r\n`,
  );

for (const kind of DATABASES) {
  describe(`events on ${kind}`, () => {
    let app: TestApp;
    let staffMailbox: string;
    let adminMailbox: string;
    let staffToken: string;
    let adminToken: string;
    const db = () => app.mailroom.deps.db;
    const eventsOf = (mailboxId: string) =>
      db().selectFrom('events').selectAll().where('mailbox_id', '=', mailboxId).orderBy('id').execute();
    const api = async (token: string, query: string) => {
      const response = await fetch(`${app.url}/api/events${query}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      // biome-ignore lint/suspicious/noExplicitAny: the test reads whatever JSON the API answered.
      return { status: response.status, json: (await response.json()) as any };
    };

    before(async () => {
      app = await startTestApp(kind);
      const staff = (await findUserByEmail(db(), STAFF.email))!;
      const admin = (await findUserByEmail(db(), ADMIN.email))!;
      staffMailbox = (
        await insertMailbox(db(), {
          kind: 'user',
          ownerUserId: staff.id,
          label: null,
          address: 'sam@contoso.test',
        })
      ).id;
      adminMailbox = (
        await insertMailbox(db(), {
          kind: 'user',
          ownerUserId: admin.id,
          label: null,
          address: 'ada@contoso.test',
        })
      ).id;
      staffToken = await createApiToken(db(), staff.id, 'events');
      adminToken = await createApiToken(db(), admin.id, 'events');
    });
    after(async () => {
      await app?.stop();
    });

    test('a change of mailbox state writes one event; the same state again writes none', async () => {
      await setMailboxState(db(), staffMailbox, { state: 'connected', code: null, message: null });
      await setMailboxState(db(), staffMailbox, { state: 'connected', code: null, message: null });
      await setMailboxState(db(), staffMailbox, {
        state: 'reconnect_required',
        code: 'mailbox.refresh_token_expired',
        message: 'Reconnect',
      });
      const events = await eventsOf(staffMailbox);
      assert.deepEqual(
        events.map((e) => [e.type, JSON.parse(e.payload_json).state]),
        [
          ['mailbox.state_changed', 'connected'],
          ['mailbox.state_changed', 'reconnect_required'],
        ],
      );
      assert.ok(events[0]!.id < events[1]!.id);
    });

    test('a transaction that rolls back leaves neither the change nor its event', async () => {
      const before = (await eventsOf(staffMailbox)).length;
      await assert.rejects(
        inTransaction(db(), async (trx) => {
          await setMailboxState(trx, staffMailbox, {
            state: 'retrying',
            code: 'imap.unavailable',
            message: 'x',
          });
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal((await eventsOf(staffMailbox)).length, before);
      const row = await db()
        .selectFrom('mailboxes')
        .select('state')
        .where('id', '=', staffMailbox)
        .executeTakeFirstOrThrow();
      assert.equal(row.state, 'reconnect_required');
      await assert.rejects(
        recordEvent(db(), { type: 'folder.synced', mailboxId: staffMailbox }),
        /needs the transaction/,
        'an event outside a transaction is refused',
      );
    });

    test('event writers are serialised to their commit: ids become visible in order', async () => {
      // T1 records an event and stays open; T2's event must wait for T1's commit, or T2 could commit a
      // larger id first and a reader paging past it would never see T1's.
      let releaseFirst!: () => void;
      const firstHolds = new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      let firstRecorded!: () => void;
      const recorded = new Promise<void>((resolve) => {
        firstRecorded = resolve;
      });
      const first = inTransaction(db(), async (trx) => {
        await recordEvent(trx, { type: 'folder.synced', mailboxId: staffMailbox, payload: { n: 1 } });
        firstRecorded();
        await firstHolds;
      });
      await recorded;
      let secondDone = false;
      const second = inTransaction(db(), (trx) =>
        recordEvent(trx, { type: 'folder.synced', mailboxId: staffMailbox, payload: { n: 2 } }),
      ).then(() => {
        secondDone = true;
      });
      // The second writer is seen waiting for the advisory lock (not merely slow). On SQLite the first
      // transaction holds the one connection: the second cannot begin, which nothing outside shows.
      if (kind === 'postgres')
        await waitFor(
          async () =>
            Number(
              (
                await sql<{ n: string }>`select count(*) as n from pg_locks
                  where locktype = 'advisory' and not granted`.execute(db())
              ).rows[0]!.n,
            ) > 0,
          5000,
          'the second event writer waiting for the first',
        );
      assert.equal(secondDone, false, 'the second event committed while the first was open');
      releaseFirst();
      await Promise.all([first, second]);
      const mine = (await eventsOf(staffMailbox)).filter((e) => e.type === 'folder.synced').slice(-2);
      assert.deepEqual(
        mine.map((e) => JSON.parse(e.payload_json).n),
        [1, 2],
      );
    });

    test('a stored batch is one event with its counts and the new ids; storing it again creates none', async () => {
      const prepared: PreparedMessage[] = [];
      for (let n = 1; n <= 3; n++)
        prepared.push(
          await prepareMessage(app.mailroom.deps.blobs, {
            mailboxId: staffMailbox,
            path: 'INBOX',
            uidValidity: 1,
            uid: n,
            flags: [],
            internalDate: new Date(),
            size: message(n).length,
            source: message(n),
          }),
        );
      const stored = await storePrepared(db(), prepared);
      await storePrepared(db(), prepared);
      const events = (await eventsOf(staffMailbox)).filter((e) => e.type === 'messages.stored');
      assert.equal(events.length, 2, 'one event per batch, not per message');
      assert.equal(events[0]!.subject_type, 'folder');
      assert.equal(events[0]!.subject_id, 'INBOX');
      assert.deepEqual(JSON.parse(events[0]!.payload_json), {
        stored: 3,
        created: 3,
        messageIds: stored.map((s) => s.messageId),
      });
      assert.deepEqual(JSON.parse(events[1]!.payload_json), { stored: 3, created: 0, messageIds: [] });
    });

    test('a send outcome is an event, only when the attempt still held the message', async () => {
      const staff = (await findUserByEmail(db(), STAFF.email))!;
      const now = new Date().toISOString();
      const insert = (id: string) =>
        db()
          .insertInto('outgoing_messages')
          .values({
            id,
            mailbox_id: staffMailbox,
            created_by_user_id: staff.id,
            idempotency_key: null,
            request_hash: id,
            mode: 'new',
            reply_to_message_id: null,
            message_id: `${id}@contoso.test`,
            from_address: 'sam@contoso.test',
            subject: 'Hello',
            recipients_json: JSON.stringify({ to: ['ada@contoso.test'], cc: [], bcc: [] }),
            mime_sha256: 'x',
            size: 1,
            state: 'sending',
            attempts: 1,
            transmitted: 0,
            next_attempt_at: null,
            lease_until: now,
            lease_owner: 'attempt-1',
            error_code: null,
            error_message: null,
            error_recipient: null,
            error_for: null,
            server_reply: null,
            sent_copy: null,
            stored_message_id: null,
            sent_at: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
      await insert('out-1');
      await insert('out-2');
      await finishAttempt(db(), (await findOutgoing(db(), 'out-1'))!, { state: 'sent', sent_at: now });
      const stale = { ...(await findOutgoing(db(), 'out-2'))!, lease_owner: 'an-earlier-attempt' };
      await finishAttempt(db(), stale, { state: 'failed', error_code: 'smtp.rejected' });
      await finishAttempt(db(), (await findOutgoing(db(), 'out-2'))!, {
        state: 'failed',
        error_code: 'smtp.recipient_rejected',
      });
      const events = (await eventsOf(staffMailbox)).filter((e) => e.subject_type === 'outgoing');
      assert.deepEqual(
        events.map((e) => [e.type, e.subject_id, JSON.parse(e.payload_json).errorCode]),
        [
          ['message.sent', 'out-1', null],
          ['message.send_failed', 'out-2', 'smtp.recipient_rejected'],
        ],
      );
    });

    test('GET /api/events pages by cursor and shows nobody another person’s mailbox', async () => {
      await setMailboxState(db(), adminMailbox, { state: 'connected', code: null, message: null });
      const all = await api(staffToken, '?limit=500');
      assert.equal(all.status, 200);
      assert.ok(all.json.events.length >= 5);
      assert.ok(all.json.events.every((e: { mailboxId: string }) => e.mailboxId === staffMailbox));
      // Page two at a time: the same events, in order, none twice.
      const paged: string[] = [];
      let cursor = '0';
      for (;;) {
        const page = await api(staffToken, `?after=${cursor}&limit=2`);
        paged.push(...page.json.events.map((e: { id: string }) => e.id));
        cursor = page.json.nextCursor;
        if (!page.json.hasMore) break;
      }
      assert.deepEqual(
        paged,
        all.json.events.map((e: { id: string }) => e.id),
      );
      const empty = await api(staffToken, `?after=${cursor}`);
      assert.deepEqual(empty.json, { events: [], nextCursor: cursor, hasMore: false });

      // The administrator sees their own mailbox's events, and not the staff member's own mailbox.
      const admins = await api(adminToken, '?limit=500');
      assert.ok(admins.json.events.length >= 1);
      assert.ok(admins.json.events.every((e: { mailboxId: string }) => e.mailboxId === adminMailbox));

      assert.equal((await api(staffToken, '?after=abc')).status, 400);
      assert.equal((await fetch(`${app.url}/api/events`)).status, 401);
    });
  });
}

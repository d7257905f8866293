import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { getAccessToken } from '../../src/mailboxes/access-token.ts';
import { defaultMailVia, takeDefaultMailVia } from '../../src/mailboxes/default-mail-via.ts';
import { retrieveFolders } from '../../src/mailboxes/folders.ts';
import { findMailbox, insertMailbox } from '../../src/mailboxes/repository.ts';
import { GRAPH_MAIL_SCOPES } from '../../src/microsoft/redirect-uris.ts';
import { setLocalFlags } from '../../src/reading/local-flags.ts';
import { type SyncDeps, syncMailbox } from '../../src/sync/sync-mailbox.ts';
import { graphTransport } from '../../src/transports/graph/graph-transport.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { signedInBrowser } from '../support/app-browser.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { graph } from '../support/graph-request.ts';
import { graphToken } from '../support/graph-token.ts';
import { parseForms } from '../support/http-client.ts';
import { outlookToken } from '../support/mail-token.ts';
import {
  ADELE,
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  LOCAL_PASSWORD,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../support/mailbox-setup.ts';
import { signInAndGetTokens } from '../support/oauth-flow.ts';
import { storeCounts } from '../support/store-counts.ts';
import { waitFor } from '../support/wait-for.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered.
type Json = any;

// Each database gets its own emulator: the tests count what is in the server's folders.
for (const kind of DATABASES) {
  describe(`reading a mailbox through Microsoft Graph on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    let deps: SyncDeps;
    let mailboxId: string;
    let apiToken: string;
    const sync = async (only?: string[]) =>
      syncMailbox(deps, (await findMailbox(deps.db, mailboxId))!, only ? { only } : {});
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${app.url}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json().catch(() => null)) as Json };
    };
    const counts = (path?: string) => storeCounts(deps.db, mailboxId, path);
    const select = async (paths: string[]) => {
      const res = await api('PUT', `/mailboxes/${mailboxId}/folders`, { selected: paths });
      assert.equal(res.status, 200, JSON.stringify(res.json));
    };
    const storedIn = async (path: string) =>
      (
        await deps.db
          .selectFrom('folder_sync_state')
          .select('stored_messages')
          .where('mailbox_id', '=', mailboxId)
          .where('path', '=', path)
          .executeTakeFirst()
      )?.stored_messages ?? 0;

    before(async () => {
      emu = await startEmulator();
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app);
      await createDemoPeople(app);
      apiToken = await createApiToken(
        app.mailroom.deps.db,
        (await findUserByEmail(app.mailroom.deps.db, MEGAN))!.id,
        'megan',
      );
      mailboxId = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
      );
      // Megan allowed Mailroom to use Microsoft Graph (incremental consent).
      await signInAndGetTokens(emu, MEGAN, 'Megan-demo-1', ['openid', ...GRAPH_MAIL_SCOPES]);
      deps = app.mailroom.deps;
    });
    after(async () => {
      await app?.stop();
      await emu?.stop();
    });

    test('set to Graph, the mailbox says it reads through Graph and lists its folders with Graph’s ids', async () => {
      const set = await api('PUT', `/mailboxes/${mailboxId}/mail-via`, { mailVia: 'graph' });
      assert.equal(set.status, 200, JSON.stringify(set.json));
      assert.equal(set.json.mailVia, 'graph');
      assert.equal(set.json.readsThrough, 'graph');
      assert.match(set.json.readsThroughReason, /Microsoft Graph only/);
      assert.equal((await api('PUT', `/mailboxes/${mailboxId}/mail-via`, { mailVia: 'imap' })).status, 400);
      // Another user may not choose for Megan's mailbox, under either name.
      const adeleToken = await createApiToken(deps.db, (await findUserByEmail(deps.db, ADELE))!.id, 'adele');
      for (const [path, body] of [
        ['mail-via', { mailVia: 'smtp' }],
        ['send-via', { sendVia: 'smtp' }],
      ] as const) {
        const res = await fetch(`${app.url}/api/mailboxes/${mailboxId}/${path}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${adeleToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.ok([403, 404].includes(res.status), `${path}: ${res.status}`);
      }
      assert.equal((await findMailbox(deps.db, mailboxId))!.sending.via, 'graph', 'unchanged');
      const refreshed = await api('POST', `/mailboxes/${mailboxId}/folders/refresh`);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
      const folders = await deps.db
        .selectFrom('mailbox_folders')
        .select(['path', 'special_use', 'remote_id', 'selected'])
        .where('mailbox_id', '=', mailboxId)
        .execute();
      const inbox = folders.find((f) => f.path === 'INBOX');
      assert.equal(inbox?.special_use, '\\Inbox', 'the Inbox keeps IMAP’s name');
      assert.ok(inbox?.remote_id, 'with Graph’s folder id');
      assert.equal(folders.find((f) => f.path === 'Sent Items')?.special_use, '\\Sent');
      assert.ok(folders.every((f) => f.remote_id));
    });

    test('a 2,000-message folder syncs through delta completely, with no duplicates; a second sync fetches nothing', async () => {
      const seeded = await control(emu, 'POST', '/mail/seed', {
        address: MEGAN,
        folder: 'Archive',
        count: 2000,
      });
      assert.equal(seeded.status, 201);
      await select(['INBOX', 'Archive', 'Junk Email']);
      const before = await counts();
      const result = await sync();
      assert.equal(result.Archive?.fetched, 2000);
      const after = await counts('Archive');
      assert.equal(after.locations, 2000);
      assert.equal(after.messages - before.messages, 2000);
      assert.equal(after.duplicates, 0);
      const graphCopies = await deps.db
        .selectFrom('message_locations')
        .select(['transport', 'remote_id', 'uidvalidity'])
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'Archive')
        .execute();
      assert.ok(graphCopies.every((c) => c.transport === 'graph' && c.remote_id && c.uidvalidity === 0));
      const again = await sync();
      assert.equal(again.Archive?.fetched, 0);
      assert.equal((await counts()).messages, after.messages);
      const state = await deps.db
        .selectFrom('folder_sync_state')
        .selectAll()
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'Archive')
        .executeTakeFirstOrThrow();
      assert.equal(state.stored_messages, 2000);
      assert.equal(state.status, 'idle');
      assert.equal(state.transport, 'graph');
      assert.match(state.cursor ?? '', /deltatoken=/);
    });

    test('flags, deletions and moves (over IMAP and through Graph) reach Mailroom: counts exact, no second message', async () => {
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: emu.mail!.imap.port,
        secure: false,
        auth: { user: MEGAN, accessToken: await outlookToken(emu, MEGAN) },
        logger: false,
      });
      await client.connect();
      try {
        const lock = await client.getMailboxLock('Archive');
        await client.messageFlagsAdd('1:10', ['\\Seen', '\\Flagged'], { uid: true });
        await client.messageDelete('11:15', { uid: true });
        // Moved over IMAP: Graph gives the copy in Junk Email a new id.
        await client.messageMove('16:18', 'Junk Email', { uid: true });
        lock.release();
      } finally {
        await client.logout();
      }
      // Moved through Graph: the immutable id follows the message.
      const token = await graphToken(emu, MEGAN);
      const moving = await deps.db
        .selectFrom('message_locations')
        .select(['remote_id', 'message_id'])
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'Archive')
        .orderBy('uid', 'desc')
        .limit(2)
        .execute();
      for (const m of moving) {
        const moved = await graph(emu, token, `/v1.0/me/messages/${encodeURIComponent(m.remote_id!)}/move`, {
          method: 'POST',
          body: { destinationId: 'junkemail' },
          headers: { prefer: 'IdType="ImmutableId"' },
        });
        assert.equal(moved.status, 201, JSON.stringify(moved.json));
      }
      const before = await counts();
      const result = await sync();
      assert.equal(result.Archive?.removed, 10, '5 deleted, 5 moved away');
      assert.equal(result.Archive?.flagsChanged, 10);
      const flagged = await deps.db
        .selectFrom('message_locations')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'Archive')
        .where('seen', '=', 1)
        .where('flagged', '=', 1)
        .executeTakeFirstOrThrow();
      assert.equal(Number(flagged.n), 10);
      assert.equal((await counts('Archive')).locations, 1990);
      assert.equal((await counts('Junk Email')).locations, 5);
      const after = await counts();
      assert.equal(
        after.messages,
        before.messages - 5,
        'the deleted ones are gone; the moved ones are the same messages',
      );
      assert.equal(after.duplicates, 0);
      for (const m of moving) {
        const now = await deps.db
          .selectFrom('message_locations')
          .select(['path', 'message_id'])
          .where('mailbox_id', '=', mailboxId)
          .where('remote_id', '=', m.remote_id)
          .executeTakeFirstOrThrow();
        assert.deepEqual([now.path, now.message_id], ['Junk Email', m.message_id]);
      }
    });

    test('read in Mailroom is pushed with PATCH and survives the next delta', async () => {
      const copy = await deps.db
        .selectFrom('message_locations')
        .select(['message_id', 'remote_id'])
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'Archive')
        .where('seen', '=', 0)
        .orderBy('uid')
        .executeTakeFirstOrThrow();
      await setLocalFlags(deps.db, mailboxId, copy.message_id, { seen: true, flagged: true });
      await sync(['Archive']);
      const token = await graphToken(emu, MEGAN);
      const onServer = await graph(
        emu,
        token,
        `/v1.0/me/messages/${encodeURIComponent(copy.remote_id!)}?$select=isRead,flag`,
        { headers: { prefer: 'IdType="ImmutableId"' } },
      );
      assert.equal(onServer.status, 200, JSON.stringify(onServer.json));
      assert.equal(onServer.json.isRead, true);
      assert.equal(onServer.json.flag.flagStatus, 'flagged');
      const local = await deps.db
        .selectFrom('message_locations')
        .select(['seen', 'flagged', 'pending_flags'])
        .where('mailbox_id', '=', mailboxId)
        .where('remote_id', '=', copy.remote_id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([local.seen, local.flagged, local.pending_flags], [1, 1, null]);
    });

    test('410 SyncStateNotFound: the folder is listed again from nothing, without a duplicate', async () => {
      const before = await counts();
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'Archive', count: 3 });
      const invalidated = await control(emu, 'POST', '/graph/delta/invalidate', { address: MEGAN });
      assert.equal(invalidated.status, 200, JSON.stringify(invalidated.body));
      const result = await sync();
      assert.equal(result.Archive?.reset, true);
      assert.equal(
        result.Archive?.fetched,
        3,
        'only the new ones are fetched: the others are known by their id',
      );
      const after = await counts();
      assert.equal(after.messages, before.messages + 3);
      assert.equal(after.locations, before.locations + 3);
      assert.equal(after.duplicates, 0);
      assert.equal((await counts('Archive')).locations, 1993);
    });

    test('throttled (429 with Retry-After) beyond the client’s retries: the sync waits and resumes', async () => {
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'Drafts', count: 300 });
      await select(['INBOX', 'Archive', 'Junk Email', 'Drafts']);
      const throttled = await control(emu, 'PUT', '/graph/throttle', {
        address: MEGAN,
        count: 6,
        retryAfterSeconds: 0.2,
      });
      assert.equal(throttled.status, 200, JSON.stringify(throttled.body));
      await sync();
      const drafts = await counts('Drafts');
      assert.equal(drafts.locations, 300);
      assert.equal(drafts.duplicates, 0);
      assert.equal(
        emu.graphMail?.state.throttles.get(MEGAN)?.remaining ?? 0,
        0,
        'every throttled answer was met',
      );
    });

    test('the Graph token expires mid-sync: a fresh one is taken and the sync goes on, nothing twice, nothing missed', async () => {
      await control(emu, 'PUT', '/lifetimes', { accessTokenLifetimeSec: 600 });
      await getAccessToken(deps, mailboxId, { resource: 'graph', force: true });
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'Deleted Items', count: 600 });
      await select(['INBOX', 'Archive', 'Junk Email', 'Drafts', 'Deleted Items']);
      const tokensBefore = emu.ctx.dir.issuedTokens.filter((t) => t.kind === 'access_token').length;
      const running = sync();
      await waitFor(async () => (await storedIn('Deleted Items')) >= 100, 120_000, 'some stored');
      await control(emu, 'POST', '/clock', { advanceSeconds: 3600 });
      try {
        await running;
      } finally {
        await control(emu, 'POST', '/clock', { offsetMs: 0 });
        await control(emu, 'PUT', '/lifetimes', { accessTokenLifetimeSec: null });
      }
      const trash = await counts('Deleted Items');
      assert.equal(trash.locations, 600);
      assert.equal(trash.duplicates, 0);
      assert.ok(
        emu.ctx.dir.issuedTokens.filter((t) => t.kind === 'access_token').length > tokensBefore,
        'a fresh token was taken',
      );
    });

    test('a connection cut mid-sync resumes from the cursor: no duplicate, no gap', async () => {
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', count: 500 });
      const inboxBefore = (await counts('INBOX')).locations;
      const running = sync();
      await waitFor(async () => (await storedIn('INBOX')) >= inboxBefore + 100, 120_000, 'some stored');
      const cut = await control(emu, 'PUT', '/graph/faults', { address: MEGAN, mode: 'drop_connection' });
      assert.equal(cut.status, 200, JSON.stringify(cut.body));
      await running;
      const inbox = await counts('INBOX');
      assert.equal(inbox.locations, inboxBefore + 500);
      assert.equal(inbox.duplicates, 0);
      const events = await deps.db
        .selectFrom('folder_sync_state')
        .select(['status', 'last_error'])
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'INBOX')
        .executeTakeFirstOrThrow();
      assert.equal(events.status, 'idle');
    });

    test('new mail in the Inbox is seen by the periodic delta and listed by the sync it starts', async () => {
      await sync(['INBOX']);
      const stop = new AbortController();
      let arrivals = 0;
      let looks = 0;
      const watching = graphTransport(deps, (await findMailbox(deps.db, mailboxId))!).watch(
        { onOpened: () => undefined, onNewMail: () => void arrivals++ },
        { signal: stop.signal, opening: (open) => open(), everyMs: 100, onLooked: () => void looks++ },
      );
      try {
        await waitFor(async () => arrivals >= 1, 10_000, 'the first look');
        // Nothing new: further looks find nothing.
        const looked = looks;
        await waitFor(async () => looks >= looked + 3, 10_000, 'three more looks');
        assert.equal(arrivals, 1, 'no change, no new mail');
        const subject = `Arrives while Graph watches ${kind}`;
        await control(emu, 'POST', '/mail/seed', {
          address: MEGAN,
          folder: 'INBOX',
          messages: [`From: someone@example.net\r\nTo: ${MEGAN}\r\nSubject: ${subject}\r\n\r\nHello\r\n`],
        });
        await waitFor(async () => arrivals >= 2, 10_000, 'new mail seen');
        await sync(['INBOX']);
        const listed = await deps.db
          .selectFrom('messages')
          .select('id')
          .where('mailbox_id', '=', mailboxId)
          .where('subject', '=', subject)
          .execute();
        assert.equal(listed.length, 1);
      } finally {
        stop.abort();
      }
      assert.equal(await watching, true);
    });

    test('Automatic: IMAP refused for the mailbox and Graph opening it, the mailbox reads through Graph and says why', async () => {
      const adeleId = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, ADELE), app, ADELE),
      );
      const adele = async () => (await findMailbox(deps.db, adeleId))!;
      assert.equal((await adele()).sending.via, 'auto');
      await retrieveFolders(deps, await adele());
      // Read over IMAP first: what it listed must not come back as second messages through Graph.
      const earlier = `Read over IMAP first ${kind}`;
      await control(emu, 'POST', '/mail/seed', {
        address: ADELE,
        folder: 'INBOX',
        messages: [
          `From: someone@example.net\r\nTo: ${ADELE}\r\nSubject: ${earlier}\r\nMessage-ID: <earlier-${kind}@example.net>\r\n\r\nHello\r\n`,
        ],
      });
      await syncMailbox(deps, await adele());
      const messagesBefore = await deps.db
        .selectFrom('messages')
        .select(['id', 'subject'])
        .where('mailbox_id', '=', adeleId)
        .execute();
      assert.ok(messagesBefore.some((m) => m.subject === earlier));
      await control(emu, 'PATCH', `/mailboxes/${ADELE}`, { imapEnabled: false });
      try {
        // Without Graph's consent, Graph cannot open it either: it stays on IMAP, for an administrator.
        await assert.rejects(retrieveFolders(deps, await adele()), { code: 'imap.not_connected' });
        assert.equal((await adele()).reading.through, 'imap');
        assert.equal((await adele()).state, 'admin_action_required');

        await signInAndGetTokens(emu, ADELE, 'Adele-demo-1', ['openid', ...GRAPH_MAIL_SCOPES]);
        const folders = await retrieveFolders(deps, await adele());
        assert.ok(
          folders.some((f) => f.path === 'INBOX' && f.selected),
          'the Inbox keeps its tick',
        );
        const now = await adele();
        assert.equal(now.reading.through, 'graph');
        assert.match(now.reading.reason ?? '', /IMAP is switched off/);
        assert.match(now.reading.reason ?? '', /User is authenticated but not connected/);
        assert.ok(now.reading.since);
        assert.equal(now.state, 'connected');
        const events = await deps.db
          .selectFrom('events')
          .select('payload_json')
          .where('type', '=', 'mailbox.reads_through_changed')
          .where('mailbox_id', '=', adeleId)
          .execute();
        assert.equal(events.length, 1);
        assert.equal(JSON.parse(events[0]!.payload_json).reasonCode, 'imap.not_connected');

        const subject = `Read through Graph ${kind}`;
        await control(emu, 'POST', '/mail/seed', {
          address: ADELE,
          folder: 'INBOX',
          messages: [`From: someone@example.net\r\nTo: ${ADELE}\r\nSubject: ${subject}\r\n\r\nHello\r\n`],
        });
        await syncMailbox(deps, await adele());
        const listed = await deps.db
          .selectFrom('messages')
          .innerJoin('message_locations', 'message_locations.message_id', 'messages.id')
          .select(['message_locations.transport'])
          .where('messages.mailbox_id', '=', adeleId)
          .where('messages.subject', '=', subject)
          .execute();
        assert.deepEqual(
          listed.map((l) => l.transport),
          ['graph'],
        );
        const dupes = await deps.db
          .selectFrom('messages')
          .select('message_id')
          .where('mailbox_id', '=', adeleId)
          .where('message_id', 'is not', null)
          .groupBy('message_id')
          .having((eb) => eb.fn.countAll(), '>', 1)
          .execute();
        assert.equal(
          dupes.length,
          0,
          'the copies IMAP had listed became the Graph ones, not second messages',
        );
        const copies = await deps.db
          .selectFrom('message_locations')
          .innerJoin('messages', 'messages.id', 'message_locations.message_id')
          .select(['messages.id', 'message_locations.transport'])
          .where('messages.mailbox_id', '=', adeleId)
          .where('messages.subject', '=', earlier)
          .execute();
        assert.deepEqual(
          copies.map((c) => [c.id, c.transport]),
          [[messagesBefore.find((m) => m.subject === earlier)!.id, 'graph']],
          'the same message, now at its Graph copy only',
        );

        const page = await (await mailroomBrowser(emu, app, ADELE)).get(`${app.url}/mailboxes/${adeleId}`);
        assert.match(page.html, /data-reads-through="graph"/);
        assert.match(page.html, /Reads through <strong>Microsoft Graph<\/strong>/);
      } finally {
        await control(emu, 'PATCH', `/mailboxes/${ADELE}`, { imapEnabled: true });
      }
    });

    test('the installation’s default on the Microsoft 365 page: mailboxes added from now on take it', async () => {
      const admin = await signedInBrowser(app.url, ADMIN.email, ADMIN.password);
      const page = await admin.get(`${app.url}/settings/microsoft`);
      assert.match(page.html, /Default way to Microsoft 365/);
      const formIndex = parseForms(page.html, page.url).findIndex((f) =>
        f.action.endsWith('/settings/microsoft/mail-via'),
      );
      assert.ok(formIndex >= 0);
      const refused = await admin.submit(page, { formIndex, fields: { defaultMailVia: 'pop3' } });
      assert.equal(refused.status, 302);
      assert.equal(await defaultMailVia(deps.db), 'auto', 'an unknown choice is not stored');
      try {
        const saved = await admin.submit(page, { formIndex, fields: { defaultMailVia: 'graph' } });
        assert.equal(saved.status, 302);
        assert.equal(await defaultMailVia(deps.db), 'graph');
        const added = await takeDefaultMailVia(
          deps.db,
          await insertMailbox(deps.db, {
            kind: 'system',
            ownerUserId: null,
            label: null,
            address: `added-${kind}@example.net`,
          }),
        );
        assert.deepEqual(
          [added.sending.via, added.sending.through, added.reading.through],
          ['graph', 'graph', 'graph'],
        );
        assert.equal(
          (await findMailbox(deps.db, mailboxId))!.sending.via,
          'graph',
          'an existing mailbox keeps its own',
        );
      } finally {
        await deps.db.updateTable('microsoft_settings').set({ default_mail_via: 'auto' }).execute();
      }
      const staff = await signedInBrowser(app.url, MEGAN, LOCAL_PASSWORD);
      assert.equal((await staff.get(`${app.url}/settings/microsoft`)).status, 403);
    });
  });
}

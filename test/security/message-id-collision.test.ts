import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { down, up } from '../../src/db/migrations/2026-12-02-0003-message-content.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { syncMailbox } from '../../src/sync/sync-mailbox.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../support/mailbox-setup.ts';
import { rfc5322 } from '../support/reading-messages.ts';

// A Message-ID is the sender's word: two different messages under one id are two messages, both listed
// and readable, while copies of one message (two folders, a refetch after a UIDVALIDITY change, a copy
// the server rendered with its own headers) stay one row with several locations.

const SHARED = 'payroll-2026@contoso.example';
const real = rfc5322(
  {
    From: 'Adele Vance <adele@contoso.example>',
    Subject: 'Payroll account',
    'Message-ID': `<${SHARED}>`,
    Date: 'Mon, 30 Nov 2026 09:00:00 +0000',
    'Content-Type': 'text/plain; charset=utf-8',
  },
  'From May, salaries go to the account ending 1234.\n',
);
/** Arrives first, with the real message's id: today it hides the real one. */
const forged = rfc5322(
  {
    From: 'Adele Vance <adele@contoso.example>',
    Subject: 'Payroll account',
    'Message-ID': `<${SHARED}>`,
    Date: 'Mon, 30 Nov 2026 08:59:00 +0000',
    'Content-Type': 'text/plain; charset=utf-8',
  },
  'From May, salaries go to the account ending 9999.\n',
);
const reply = rfc5322(
  {
    From: 'Megan Bowen <megan@contoso.example>',
    Subject: 'Re: Payroll account',
    'Message-ID': '<payroll-reply@contoso.example>',
    'In-Reply-To': `<${SHARED}>`,
    References: `<${SHARED}>`,
    'Content-Type': 'text/plain; charset=utf-8',
  },
  'Which one is it?\n',
);
/** One message filed twice, byte for byte. */
const filed = rfc5322(
  {
    From: 'Depot <depot@contoso.example>',
    Subject: 'Pallets',
    'Message-ID': '<pallets-3@contoso.example>',
    'Content-Type': 'text/plain; charset=utf-8',
  },
  'Three pallets on Thursday.\n',
);
/** One message, and the same as a server renders it again: its own headers added, the body re-encoded. */
const delivery = (rendered: boolean) =>
  rfc5322(
    {
      ...(rendered
        ? {
            Received: 'from AM0PR01MB1234.eurprd01.prod.exchangelabs.com by AM0PR01MB5678 with HTTPS',
            'Thread-Topic': 'Delivery',
            'Thread-Index': 'AQHbQ2VkZWxpdmVyeQ==',
            'X-MS-Has-Attach': '',
            'X-MS-TNEF-Correlator': '',
            'X-MS-Exchange-Organization-AuthAs': 'Internal',
            'X-MS-Exchange-Organization-SCL': '-1',
          }
        : {}),
      From: 'Depot <depot@contoso.example>',
      Subject: 'Delivery',
      'Message-ID': '<delivery-7@contoso.example>',
      'Content-Type': 'text/plain; charset="utf-8"',
      'Content-Transfer-Encoding': rendered ? 'quoted-printable' : '8bit',
    },
    rendered ? 'The parcel arrives on =\nTuesday, Zo=C3=AB.\n' : 'The parcel arrives on Tuesday, Zoë.\n',
  );

for (const kind of DATABASES) {
  describe(`one Message-ID, two messages, on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    let token: string;
    let mailboxId: string;

    const sync = async () => {
      await syncMailbox(app.mailroom.deps, (await findMailbox(app.mailroom.deps.db, mailboxId))!);
    };
    // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read field by field.
    const api = async (path: string): Promise<any> => {
      const res = await fetch(`${app.url}/api/mailboxes/${mailboxId}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200, path);
      return res.json();
    };
    /** The API's full view of every stored message with this Message-ID, in arrival order. */
    const withId = async (messageId: string) => {
      const rows = await app.mailroom.deps.db
        .selectFrom('messages')
        .select('id')
        .where('mailbox_id', '=', mailboxId)
        .where('message_id', '=', messageId)
        .orderBy('received_at')
        .execute();
      return Promise.all(rows.map((r) => api(`/messages/${r.id}`)));
    };
    const counts = async () => ({
      messages: Number(
        (
          await app.mailroom.deps.db
            .selectFrom('messages')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('mailbox_id', '=', mailboxId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
      locations: Number(
        (
          await app.mailroom.deps.db
            .selectFrom('message_locations')
            .select((eb) => eb.fn.countAll<number | string>().as('n'))
            .where('mailbox_id', '=', mailboxId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    });

    before(async () => {
      emu = await startEmulator();
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app);
      await createDemoPeople(app);
      const db = app.mailroom.deps.db;
      token = await createApiToken(db, (await findUserByEmail(db, MEGAN))!.id, 'megan');
      mailboxId = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
      );
      const selected = await fetch(`${app.url}/api/mailboxes/${mailboxId}/folders`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ selected: ['INBOX', 'Archive'] }),
      });
      assert.equal(selected.status, 200);
      const seed = async (folder: string, messages: string[]) =>
        assert.equal(
          (await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder, messages })).status,
          201,
        );
      await seed('INBOX', [forged, real, filed, delivery(false)]);
      await seed('Archive', [filed, delivery(true)]);
      await sync();
      await seed('INBOX', [reply]);
      await sync();
    });
    after(async () => {
      await app?.stop();
      await emu?.stop();
    });

    test('two different messages with one Message-ID are both listed and both readable', async () => {
      const both = await withId(SHARED);
      assert.equal(both.length, 2, 'two messages, not one hiding the other');
      assert.deepEqual(both.map((m) => m.text).sort(), [
        'From May, salaries go to the account ending 1234.\n',
        'From May, salaries go to the account ending 9999.\n',
      ]);
      const listed = (await api('/messages?limit=200')).messages.filter(
        (m: { subject: string }) => m.subject === 'Payroll account',
      );
      assert.equal(listed.length, 2);
      for (const m of both) assert.deepEqual(m.folders, ['INBOX']);
    });

    test('a reply to the shared id threads with both; each message is in one thread', async () => {
      const both = await withId(SHARED);
      const [answer] = await withId('payroll-reply@contoso.example');
      assert.equal(both[0].threadId, both[1].threadId, 'the two claimants of one id share its thread');
      assert.equal(answer.threadId, both[0].threadId);
      assert.deepEqual(
        [...answer.threadMessageIds].sort(),
        [both[0].id, both[1].id, answer.id].sort(),
        'the thread shows all three',
      );
    });

    test('the same message in Inbox and Archive is one row with two locations, even rendered again', async () => {
      for (const id of ['pallets-3@contoso.example', 'delivery-7@contoso.example']) {
        const copies = await withId(id);
        assert.equal(copies.length, 1, id);
        assert.deepEqual([...copies[0].folders].sort(), ['Archive', 'INBOX'], id);
      }
    });

    test('a UIDVALIDITY reset brings every message back once', async () => {
      const before = await counts();
      await control(emu, 'POST', '/mail/reset-uidvalidity', { address: MEGAN, folder: 'INBOX' });
      await control(emu, 'POST', '/mail/reset-uidvalidity', { address: MEGAN, folder: 'Archive' });
      await sync();
      assert.deepEqual(await counts(), before);
      assert.equal((await withId(SHARED)).length, 2);
    });

    test('the migration rewrites keys from what is stored, and back: a sync after it adds nothing', async () => {
      const db = app.mailroom.deps.db;
      const keys = async () =>
        new Map(
          (
            await db
              .selectFrom('messages')
              .select(['id', 'dedupe_key'])
              .where('mailbox_id', '=', mailboxId)
              .execute()
          ).map((r) => [r.id, r.dedupe_key]),
        );
      const current = await keys();
      await down(db);
      const legacy = await keys();
      // While the schema is the older one, rows are read from the table, not through the API.
      const rowsWith = (messageId: string) =>
        db
          .selectFrom('messages')
          .select('id')
          .where('mailbox_id', '=', mailboxId)
          .where('message_id', '=', messageId)
          .execute();
      const claimants = (await rowsWith(SHARED)).map((r) => legacy.get(r.id)!).sort();
      assert.equal(claimants[0], `mid:${SHARED}`, 'one claimant keeps the id');
      assert.match(claimants[1]!, /^sha256:[0-9a-f]{64}$/, 'the other, a key of its own');
      assert.equal(
        legacy.get((await rowsWith('pallets-3@contoso.example'))[0]!.id),
        'mid:pallets-3@contoso.example',
      );
      await up(db);
      assert.deepEqual(await keys(), current);
      const before = await counts();
      await control(emu, 'POST', '/mail/reset-uidvalidity', { address: MEGAN, folder: 'Archive' });
      await sync();
      assert.deepEqual(await counts(), before);
    });
  });
}

// The emulator's demo mail as Mailroom reads it: Megan connects, the seed arrives, and Mailroom threads
// the conversations, lists the attachments, decodes German and Japanese, and blocks the newsletter's
// remote images until asked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { demoMailOf } from '../../emulator/mail/demo/seed-demo-mail.ts';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { syncMailbox } from '../../src/sync/sync-mailbox.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { DATABASES } from '../support/databases.ts';
import {
  ADELE,
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
  SUPPORT,
} from '../support/mailbox-setup.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered.
type Json = any;

for (const kind of DATABASES) {
  describe(`the demo mail in Mailroom on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    let mailboxId: string;
    let meganToken: string;
    let adeleToken: string;
    let all: Json[];
    let adminToken: string;
    const api = async (path: string, token = meganToken) => {
      const res = await fetch(`${app.url}/api${path}`, { headers: { authorization: `Bearer ${token}` } });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const bySubject = (subject: string) => {
      const found = all.filter((m) => m.subject === subject);
      assert.ok(found.length > 0, `no message "${subject}" in ${all.map((m) => m.subject).join(' | ')}`);
      return found;
    };
    const full = async (summary: Json, query = '') =>
      (await api(`/mailboxes/${mailboxId}/messages/${summary.id}${query}`)).body;

    before(async () => {
      emu = await startEmulator({ demoMail: true });
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      adminToken = await configureForMail(emu, app);
      await createDemoPeople(app);
      const db = app.mailroom.deps.db;
      meganToken = await createApiToken(db, (await findUserByEmail(db, MEGAN))!.id, 'megan');
      adeleToken = await createApiToken(db, (await findUserByEmail(db, ADELE))!.id, 'adele');
      const browser = await mailroomBrowser(emu, app, MEGAN);
      mailboxId = mailboxIdOf(await connectThroughMicrosoft(browser, app, MEGAN));
      const res = await fetch(`${app.url}/api/mailboxes/${mailboxId}/folders`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${meganToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ selected: ['INBOX', 'Sent Items'] }),
      });
      assert.equal(res.status, 200);
      await syncMailbox(app.mailroom.deps, (await findMailbox(db, mailboxId))!);
      all = [];
      let cursor: string | null = null;
      do {
        const page: Json = await api(
          `/mailboxes/${mailboxId}/messages?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        );
        all.push(...page.body.messages);
        cursor = page.body.nextCursor;
      } while (cursor);
    });
    after(async () => {
      await app?.stop();
      await emu?.stop();
    });

    test('every seeded message arrives, parsed, over six weeks, some read and flagged', () => {
      const seeded = demoMailOf(emu.ctx, emu.demo!, Date.now()).find((b) => b.address === MEGAN)!;
      assert.equal(all.length, seeded.messages.length);
      assert.ok(all.every((m) => m.loading === false));
      const days = all.map((m) => (Date.now() - Date.parse(m.receivedAt)) / 86_400_000);
      assert.ok(Math.max(...days) > 35 && Math.max(...days) < 43, `oldest ${Math.max(...days)} days`);
      assert.ok(Math.min(...days) < 1);
      assert.ok(all.some((m) => m.seen) && all.some((m) => !m.seen) && all.some((m) => m.flagged));
      assert.equal(all.filter((m) => m.from?.address === 'news@northwindtraders.example').length, 6);
    });

    test('a customer conversation is one thread: the questions, the replies from Sent Items, quotes', async () => {
      const thread = [
        ...bySubject('Order 4821 arrived with a cracked case'),
        ...bySubject('Re: Order 4821 arrived with a cracked case'),
      ];
      assert.equal(thread.length, 5);
      assert.equal(new Set(thread.map((m) => m.threadId)).size, 1);
      const last = await full(thread.sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt))[0]);
      assert.equal(last.threadMessageIds.length, 5);
      assert.match(last.text, /^> .*replacement is on its way/m, 'quoted text of the reply before');
      // The question waiting for an answer: the newest of its thread, unread, from the customer.
      const waiting = bySubject('Re: Pricing for 40 seats').find(
        (m) => m.from.address === 'patti@alpineskihouse.example',
      );
      assert.equal(waiting.seen, false);
      assert.equal(waiting.flagged, true);
      assert.equal(
        new Set(all.filter((m) => m.subject.endsWith('Pricing for 40 seats')).map((m) => m.threadId)).size,
        1,
      );
    });

    test('attachments are listed: PDF, XLSX, PNG; the inline picture is inline; the invitation has its .ics', async () => {
      const files = async (subject: string) =>
        (await full(bySubject(subject)[0])).attachments.map((a: Json) => [
          a.filename,
          a.contentType,
          a.inline,
        ]);
      assert.deepEqual(await files('Invoice 2026-1103 from Litware'), [
        ['Invoice-2026-1103.pdf', 'application/pdf', false],
      ]);
      assert.deepEqual(await files('Q3 figures for the review'), [
        ['Q3 figures.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', false],
      ]);
      assert.deepEqual(await files('Export button does nothing'), [['screenshot.png', 'image/png', false]]);
      assert.deepEqual(await files('Photos from the offsite'), [['terrace.png', 'image/png', true]]);
      assert.ok(bySubject('Invoice 2026-1103 from Litware')[0].hasAttachments);
      const invite = await files('Invitation: Quarterly business review');
      assert.ok(
        invite.some(([name]: string[]) => name === 'invite.ics'),
        JSON.stringify(invite),
      );
      const pdf = (await full(bySubject('Invoice 2026-1103 from Litware')[0])).attachments[0];
      const download = await fetch(
        `${app.url}/api/mailboxes/${mailboxId}/messages/${bySubject('Invoice 2026-1103 from Litware')[0].id}/attachments/${pdf.id}`,
        {
          headers: { authorization: `Bearer ${meganToken}` },
        },
      );
      assert.equal(download.status, 200);
      assert.equal(
        Buffer.from(await download.arrayBuffer())
          .subarray(0, 5)
          .toString(),
        '%PDF-',
      );
    });

    test('German (ISO-8859-1, quoted-printable) and Japanese (UTF-8, base64) are decoded', async () => {
      const german = await full(bySubject('Rückfrage zur Lieferung - Bestellung 4711')[0]);
      assert.equal(german.from.name, 'Jürgen Müller');
      assert.match(german.text, /Mit freundlichen Grüßen/);
      const japanese = await full(bySubject('お見積りのご依頼について（オフィスチェア20脚）')[0]);
      assert.equal(japanese.from.name, '山田 太郎');
      assert.match(japanese.text, /さくら商事の山田です/);
    });

    test('the newsletter’s remote images are blocked until asked for', async () => {
      const issue = bySubject('Northwind Traders Weekly #48: Ergonomic chairs are back')[0];
      const blocked = await full(issue);
      assert.ok(blocked.html.includes('Issue 48'));
      assert.ok(
        !blocked.html.includes('src="https://news.northwindtraders.example'),
        blocked.html.slice(0, 400),
      );
      const shown = await full(issue, '?remoteImages=true');
      assert.ok(shown.html.includes('src="https://news.northwindtraders.example/img/masthead.png"'));
    });

    test('support@ as a system mailbox: its customer conversations, and the newest question unanswered', async () => {
      const created = await fetch(`${app.url}/api/system-mailboxes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ label: 'Support', address: SUPPORT, roles: ['staff'] }),
      });
      assert.equal(created.status, 201);
      const supportId = ((await created.json()) as Json).id as string;
      const adele = await mailroomBrowser(emu, app, ADELE);
      await connectThroughMicrosoft(adele, app, ADELE, supportId);
      const db = app.mailroom.deps.db;
      await syncMailbox(app.mailroom.deps, (await findMailbox(db, supportId))!);
      const { status, body } = await api(`/mailboxes/${supportId}/messages?limit=200`, adeleToken);
      assert.equal(status, 200);
      const seeded = demoMailOf(emu.ctx, emu.demo!, Date.now()).find((b) => b.address === SUPPORT)!;
      assert.equal(body.messages.length, seeded.messages.filter((m) => m.folder === 'INBOX').length);
      const newest = body.messages[0];
      assert.deepEqual(
        [newest.subject, newest.seen, newest.from.address],
        ['Do you ship to Norway?', false, 'kari@fjord-design.example'],
      );
      const refund = body.messages.filter((m: Json) => m.subject.endsWith('Refund for order 5532'));
      assert.equal(refund.length, 2);
      assert.equal(new Set(refund.map((m: Json) => m.threadId)).size, 1);
      const german = body.messages.find((m: Json) => m.subject === 'AW: Frage zur Rechnung 2026-118');
      assert.ok(german, 'the German reply, its subject decoded');
      // A staff member given the mailbox reads it; Megan's own mailbox stays hers.
      assert.equal((await api(`/mailboxes/${supportId}/messages?limit=1`)).status, 200);
    });

    test('another user may not read Megan’s demo mail', async () => {
      const { status } = await api(`/mailboxes/${mailboxId}/messages/${all[0].id}`, adeleToken);
      assert.equal(status, 404);
    });
  });
}

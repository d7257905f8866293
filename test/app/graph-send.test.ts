import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser } from 'mailparser';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { GRAPH_MAIL_SCOPES } from '../../src/microsoft/redirect-uris.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { ADELE, MEGAN, mailroomBrowser } from '../support/mailbox-setup.ts';
import { signInAndGetTokens } from '../support/oauth-flow.ts';
import { copiesIn, type Json, type SendWorld, startSendWorld } from '../support/send-fixture.ts';

const smtpAuth = (w: SendWorld, enabled: boolean) =>
  control(w.emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: enabled });

for (const kind of DATABASES) {
  describe(`sending through Microsoft Graph when SMTP AUTH is off, on ${kind}`, () => {
    let w: SendWorld;
    before(async () => {
      w = await startSendWorld(kind);
      // Adele allowed Mailroom to use Microsoft Graph (incremental consent); Megan did not.
      await signInAndGetTokens(w.emu, ADELE, 'Adele-demo-1', ['openid', ...GRAPH_MAIL_SCOPES]);
    });
    after(async () => {
      await w?.stop();
    });

    const findBySubject = async (token: string, mailboxId: string, subject: string) =>
      (await w.api(token, 'GET', `/mailboxes/${mailboxId}/messages?q=${encodeURIComponent(subject)}`)).json
        .messages as Json[];
    const sendsThroughEvents = async (mailboxId: string) =>
      w.app.mailroom.deps.db
        .selectFrom('events')
        .selectAll()
        .where('type', '=', 'mailbox.sends_through_changed')
        .where('mailbox_id', '=', mailboxId)
        .execute();

    test('Automatic: 535 5.7.139 sends the reply through Graph with its threading, once in Sent Items; the mailbox keeps to Graph', async () => {
      const subject = `Invoice question ${kind}`;
      const asked = await w.send(w.meganToken, w.mailboxes.megan, {
        to: [ADELE],
        subject,
        text: 'Which one?',
      });
      assert.equal(asked.state, 'sent', JSON.stringify(asked.error));
      await w.sync(w.mailboxes.adele);
      await sleep(1100); // INTERNALDATE has whole seconds
      const [original] = await findBySubject(w.adeleToken, w.mailboxes.adele, subject);
      assert.ok(original, 'the question is in Adele’s Inbox');

      await smtpAuth(w, false);
      try {
        const reply = await w.send(w.adeleToken, w.mailboxes.adele, {
          mode: 'reply',
          originalId: original.id,
          text: 'The March one.',
        });
        assert.equal(reply.state, 'sent', JSON.stringify(reply.error));
        assert.equal(reply.attempts, 1, 'retried through Graph at once, in the same attempt');
        assert.match(reply.serverReply, /Microsoft Graph/);

        const [arrived, ...more] = await copiesIn(w.emu, MEGAN, 'INBOX', reply.messageId);
        assert.ok(arrived, 'in Megan’s Inbox');
        assert.equal(more.length, 0);
        const parsed = await simpleParser(arrived);
        assert.equal(parsed.messageId, `<${reply.messageId}>`, 'Mailroom’s Message-ID kept');
        assert.equal(parsed.inReplyTo, `<${asked.messageId}>`);
        assert.deepEqual([parsed.references].flat(), [`<${asked.messageId}>`]);
        assert.equal(parsed.subject, `Re: ${subject}`);
        assert.equal(
          (await copiesIn(w.emu, ADELE, 'Sent Items', reply.messageId)).length,
          1,
          'once in Sent Items over IMAP: Exchange filed it, Mailroom added none',
        );
        assert.equal(reply.sentCopy, 'server');

        const mailbox = await findMailbox(w.app.mailroom.deps.db, w.mailboxes.adele);
        assert.equal(mailbox?.sending.via, 'auto');
        assert.equal(mailbox?.sending.through, 'graph');
        assert.match(mailbox?.sending.reason ?? '', /SMTP AUTH is switched off/);
        assert.match(mailbox?.sending.reason ?? '', /5\.7\.139/);
        assert.ok(mailbox?.sending.since);
        assert.equal(mailbox?.sendProblem, null, 'sending works: no problem to show');
        const events = await sendsThroughEvents(w.mailboxes.adele);
        assert.equal(events.length, 1);
        const check = await w.api(w.adeleToken, 'POST', `/mailboxes/${w.mailboxes.adele}/check`);
        assert.equal(check.json.smtp.ok, true, JSON.stringify(check.json.smtp));
        assert.match(check.json.smtp.message, /Sending goes through Microsoft Graph/);

        const view = await w.api(w.adeleToken, 'GET', `/mailboxes/${w.mailboxes.adele}`);
        assert.equal(view.json.sendVia, 'auto');
        assert.equal(view.json.sendsThrough, 'graph');
        assert.match(view.json.sendsThroughReason, /SMTP AUTH is switched off/);
        const page = await (await mailroomBrowser(w.emu, w.app, ADELE)).get(
          `${w.app.url}/mailboxes/${w.mailboxes.adele}`,
        );
        const { html } = page;
        assert.match(html, /data-sends-through="graph"/);
        assert.match(html, /Sends through <strong>Microsoft Graph<\/strong>/);
        assert.match(html, /SMTP AUTH is switched off/);
      } finally {
        await smtpAuth(w, true);
      }

      // SMTP AUTH is on again, yet the mailbox keeps to Graph: the next message does not try SMTP.
      const next = await w.send(w.adeleToken, w.mailboxes.adele, {
        to: [MEGAN],
        subject: `Follow-up ${kind}`,
        text: 'Also the April one.',
      });
      assert.equal(next.state, 'sent', JSON.stringify(next.error));
      assert.match(next.serverReply, /Microsoft Graph/, 'straight through Graph');
      assert.equal((await copiesIn(w.emu, MEGAN, 'INBOX', next.messageId)).length, 1);
      assert.equal((await copiesIn(w.emu, ADELE, 'Sent Items', next.messageId)).length, 1);
      assert.equal((await sendsThroughEvents(w.mailboxes.adele)).length, 1, 'no second switch');
    });

    test('Graph refused too (no Mail.Send consent): the message fails for the mailbox’s owner, saying which button to press', async () => {
      await smtpAuth(w, false);
      try {
        const failed = await w.send(w.meganToken, w.mailboxes.megan, {
          to: [ADELE],
          subject: `Nowhere to go ${kind}`,
          text: 'x',
        });
        assert.equal(failed.state, 'failed');
        assert.equal(failed.error.code, 'graph.consent_missing');
        assert.equal(failed.error.forWhom, 'mailbox_owner');
        assert.match(failed.error.message, /Mail\.Send/);
        assert.match(failed.error.message, /“Allow Mailroom to use Microsoft Graph”/);
        assert.match(failed.error.message, /admin consent/);
        assert.equal((await copiesIn(w.emu, ADELE, 'INBOX', failed.messageId)).length, 0, 'nothing sent');
        const mailbox = await findMailbox(w.app.mailroom.deps.db, w.mailboxes.megan);
        assert.equal(mailbox?.sending.through, 'graph', 'SMTP is refused: the mailbox stays on Graph');
        assert.equal(
          mailbox?.state,
          'connected',
          'reading goes on: a refused Graph token is not stored as the mailbox’s state',
        );
        assert.equal((await sendsThroughEvents(w.mailboxes.megan)).length, 1);
        const check = await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.megan}/check`);
        assert.equal(check.json.imap.ok, true, 'reading works');
        assert.equal(check.json.smtp.ok, false);
        assert.equal(check.json.smtp.code, 'graph.consent_missing');
      } finally {
        await smtpAuth(w, true);
      }
    });

    test('a system mailbox’s Graph token needs the .Shared permissions: without their consent the message fails for an administrator, naming them', async () => {
      await smtpAuth(w, false);
      try {
        const failed = await w.send(w.adeleToken, w.mailboxes.support, {
          to: [MEGAN],
          subject: `From support ${kind}`,
          text: 'x',
        });
        assert.equal(failed.state, 'failed');
        assert.equal(failed.error.code, 'graph.consent_missing');
        assert.equal(failed.error.forWhom, 'administrator');
        assert.match(failed.error.message, /Mail\.Send\.Shared/);
        assert.match(
          failed.error.message,
          /An administrator must open the system mailbox support@contoso\.example/,
        );
        assert.match(failed.error.message, /grants admin consent for Microsoft Graph/);
        assert.equal((await copiesIn(w.emu, MEGAN, 'INBOX', failed.messageId)).length, 0, 'nothing sent');
        const mailbox = await findMailbox(w.app.mailroom.deps.db, w.mailboxes.support);
        assert.equal(mailbox?.sending.through, 'graph');
        assert.equal(mailbox?.state, 'connected');
      } finally {
        await smtpAuth(w, true);
      }
    });
  });
}

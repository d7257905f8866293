import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { allowGraphThroughMicrosoft } from '../support/graph-consent.ts';
import { ADELE, MEGAN, mailroomBrowser, SUPPORT } from '../support/mailbox-setup.ts';
import { copiesIn, type SendWorld, startSendWorld } from '../support/send-fixture.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const kind of DATABASES) {
  describe(`a system mailbox and a 10 MB attachment through Microsoft Graph, on ${kind}`, () => {
    let w: SendWorld;
    before(async () => {
      w = await startSendWorld(kind, { MAILROOM_SEND_MAX_ATTACHMENTS_MB: '12' });
    });
    after(async () => {
      await w?.stop();
    });

    const sendAs = (method: 'POST' | 'DELETE') =>
      control(w.emu, method, `/mailboxes/${SUPPORT}/grants`, { principal: ADELE, rights: ['SendAs'] });

    test('set to Graph, the system mailbox sends through /users/{address}/sendMail with Send As; without Send As it fails for an administrator with the exact fix', async () => {
      const set = await w.api(w.adeleToken, 'PUT', `/mailboxes/${w.mailboxes.support}/send-via`, {
        sendVia: 'graph',
      });
      assert.equal(set.status, 200, JSON.stringify(set.json));
      // Adele, who connected Support, allows Graph for it: the .Shared scopes as well.
      const browser = await mailroomBrowser(w.emu, w.app, ADELE);
      const { authorize, back } = await allowGraphThroughMicrosoft(
        browser,
        w.app,
        w.mailboxes.support,
        ADELE,
      );
      const scopes = authorize.searchParams.get('scope') ?? '';
      assert.match(scopes, /Mail\.Send\.Shared/);
      assert.match(scopes, /Mail\.ReadWrite\.Shared/);
      assert.equal(back.location, `${w.app.url}/mailboxes/${w.mailboxes.support}`);

      const sent = await w.send(w.meganToken, w.mailboxes.support, {
        to: [MEGAN],
        subject: `From support through Graph ${kind}`,
        text: 'Your ticket is solved.',
      });
      assert.equal(sent.state, 'sent', JSON.stringify(sent.error));
      assert.match(sent.serverReply, /Microsoft Graph/);
      const [arrived, ...more] = await copiesIn(w.emu, MEGAN, 'INBOX', sent.messageId);
      assert.ok(arrived, 'in Megan’s Inbox over IMAP');
      assert.equal(more.length, 0);
      assert.equal((await simpleParser(arrived)).from?.value[0]?.address, SUPPORT);
      assert.equal(
        (await copiesIn(w.emu, SUPPORT, 'Sent Items', sent.messageId, ADELE)).length,
        1,
        'once in the system mailbox’s Sent Items',
      );
      const graphSent = (await control(w.emu, 'GET', `/graph/sent?mailbox=${SUPPORT}`)).body.messages;
      assert.equal(graphSent.length, 1, 'through /users/support@…/sendMail');
      assert.equal(graphSent[0].via, 'sendMail-mime');

      assert.equal((await sendAs('DELETE')).status, 200);
      try {
        const refused = await w.send(w.meganToken, w.mailboxes.support, {
          to: [MEGAN],
          subject: `No Send As ${kind}`,
          text: 'x',
        });
        assert.equal(refused.state, 'failed');
        assert.equal(refused.error.code, 'graph.send_as_denied');
        assert.equal(refused.error.forWhom, 'administrator');
        assert.match(
          refused.error.message,
          /An Exchange administrator must grant adele@contoso\.example Send As/,
        );
        assert.ok(
          refused.error.message.includes(
            'Add-RecipientPermission -Identity support@contoso.example -Trustee adele@contoso.example -AccessRights SendAs',
          ),
          refused.error.message,
        );
        assert.equal((await copiesIn(w.emu, MEGAN, 'INBOX', refused.messageId)).length, 0, 'nothing sent');
        const kept = await w.api(
          w.adeleToken,
          'GET',
          `/mailboxes/${w.mailboxes.support}/outgoing/${refused.id}`,
        );
        assert.equal(kept.status, 200);
        assert.equal(kept.json.state, 'failed', 'the message is kept, failed, not lost');
        const mailbox = await findMailbox(w.app.mailroom.deps.db, w.mailboxes.support);
        assert.equal(
          mailbox?.sendProblem?.code,
          'graph.send_as_denied',
          'the mailbox says sending is blocked',
        );
        assert.equal(mailbox?.state, 'connected', 'reading goes on');
        // The outbox page and the mailbox page say who must act and what to run.
        const adele = await mailroomBrowser(w.emu, w.app, ADELE);
        const outboxPage = await adele.get(`${w.app.url}/mail/${w.mailboxes.support}/outbox/${refused.id}`);
        assert.match(outboxPage.html, /For an administrator to fix: <\/strong>/);
        assert.match(outboxPage.html, /Add-RecipientPermission -Identity support@contoso\.example/);
        const mailboxPage = await adele.get(`${w.app.url}/mailboxes/${w.mailboxes.support}`);
        assert.match(mailboxPage.html, /id="send-problem" data-code="graph.send_as_denied"/);
        assert.match(mailboxPage.html, /-Trustee adele@contoso\.example -AccessRights SendAs/);
        assert.match(
          (await adele.get(`${w.app.url}/`)).html,
          /Mail cannot be sent from support@contoso\.example: its delegate has no Send As right/,
          'an administrator’s banner',
        );

        await sendAs('POST');
        const retried = await w.api(
          w.adeleToken,
          'POST',
          `/mailboxes/${w.mailboxes.support}/outgoing/${refused.id}/retry`,
        );
        assert.equal(retried.status, 202);
        const again = await w.waitFor(w.mailboxes.support, refused.id, ['sent', 'failed']);
        assert.equal(again.state, 'sent', JSON.stringify(again.error));
        assert.equal((await copiesIn(w.emu, MEGAN, 'INBOX', again.messageId)).length, 1);
        assert.equal((await findMailbox(w.app.mailroom.deps.db, w.mailboxes.support))?.sendProblem, null);
      } finally {
        await sendAs('POST');
      }
    });

    test('a 10 MB attachment queued over the API goes through a draft, an upload session and send, and arrives intact', async () => {
      const set = await w.api(w.adeleToken, 'PUT', `/mailboxes/${w.mailboxes.adele}/send-via`, {
        sendVia: 'graph',
      });
      assert.equal(set.status, 200);
      const browser = await mailroomBrowser(w.emu, w.app, ADELE);
      await allowGraphThroughMicrosoft(browser, w.app, w.mailboxes.adele, ADELE);
      const file = randomBytes(10 * 1024 * 1024);
      const sent = await w.send(w.adeleToken, w.mailboxes.adele, {
        to: [MEGAN],
        subject: `Large file ${kind}`,
        text: 'The scans are attached.',
        attachments: [
          {
            filename: 'scans.bin',
            contentType: 'application/octet-stream',
            contentBase64: file.toString('base64'),
          },
        ],
      });
      assert.equal(sent.state, 'sent', JSON.stringify(sent.error));
      assert.match(sent.serverReply, /draft/);

      const uploads = (await control(w.emu, 'GET', `/graph/uploads?mailbox=${ADELE}`)).body.uploads;
      assert.equal(uploads.length, 1, 'one upload session');
      assert.equal(uploads[0].name, 'scans.bin');
      assert.equal(uploads[0].size, file.length);
      assert.ok(uploads[0].ranges >= 3, `in ranges of at most 4 MB (${uploads[0].ranges})`);
      const graphSent = (await control(w.emu, 'GET', `/graph/sent?mailbox=${ADELE}`)).body.messages;
      assert.equal(graphSent.at(-1).via, 'draft-send');

      const [arrived, ...more] = await copiesIn(w.emu, MEGAN, 'INBOX', sent.messageId);
      assert.ok(arrived, 'in Megan’s Inbox with Mailroom’s Message-ID');
      assert.equal(more.length, 0);
      const parsed = await simpleParser(arrived);
      const attachment = parsed.attachments.find((a) => a.filename === 'scans.bin');
      assert.ok(attachment, 'the file is attached');
      assert.equal(attachment.content.length, file.length);
      assert.equal(sha256(attachment.content), sha256(file), 'byte for byte');
      assert.equal((await copiesIn(w.emu, ADELE, 'Sent Items', sent.messageId)).length, 1);
      assert.equal((await copiesIn(w.emu, ADELE, 'Drafts', sent.messageId)).length, 0, 'no draft left');
    });
  });
}

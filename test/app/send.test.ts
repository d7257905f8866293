import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { simpleParser } from 'mailparser';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { inEmulatorFolder } from '../support/mail-token.ts';
import { ADELE, MEGAN, SUPPORT } from '../support/mailbox-setup.ts';
import { copiesIn, type Json, type SendWorld, startSendWorld } from '../support/send-fixture.ts';

for (const kind of DATABASES) {
  describe(`sending mail through Microsoft 365 on ${kind}`, () => {
    let w: SendWorld;
    before(async () => {
      w = await startSendWorld(kind);
    });
    after(async () => {
      await w?.stop();
    });

    const messageOf = async (token: string, mailboxId: string, id: string) =>
      (await w.api(token, 'GET', `/mailboxes/${mailboxId}/messages/${id}`)).json as Json;
    const findBySubject = async (token: string, mailboxId: string, subject: string) => {
      const { json } = await w.api(
        token,
        'GET',
        `/mailboxes/${mailboxId}/messages?q=${encodeURIComponent(subject)}`,
      );
      return json.messages as Json[];
    };

    test('a message arrives in the recipient’s Inbox; the reply threads in both mailboxes', async () => {
      const subject = `Quarterly numbers ${kind}`;
      const sent = await w.send(w.adeleToken, w.mailboxes.adele, {
        to: [`Megan Bowen <${MEGAN}>`],
        subject,
        text: 'Hi Megan,\nthe numbers are in.\n',
      });
      assert.equal(sent.state, 'sent', JSON.stringify(sent.error));
      assert.equal(sent.attempts, 1);
      assert.equal(sent.sentCopy, 'server', 'Exchange kept the copy: Mailroom did not APPEND a second');
      assert.ok(sent.storedMessageId, 'the sent copy is stored at once');
      const [arrived, ...more] = await copiesIn(w.emu, MEGAN, 'INBOX', sent.messageId);
      assert.ok(arrived, 'in Megan’s Inbox');
      assert.equal(more.length, 0);
      const parsed = await simpleParser(arrived);
      assert.equal(parsed.messageId, `<${sent.messageId}>`);
      assert.equal(parsed.from?.value[0]?.address, ADELE);
      assert.equal(parsed.from?.value[0]?.name, 'Adele Vance');
      assert.equal(parsed.subject, subject);
      assert.equal(
        (await copiesIn(w.emu, ADELE, 'Sent Items', sent.messageId)).length,
        1,
        'one copy in Sent Items',
      );

      await w.sync(w.mailboxes.megan);
      await sleep(1100); // INTERNALDATE has whole seconds: the reply is a second later, as in life
      const [original] = await findBySubject(w.meganToken, w.mailboxes.megan, subject);
      assert.ok(original);
      const reply = await w.send(w.meganToken, w.mailboxes.megan, {
        mode: 'reply',
        originalId: original.id,
        text: 'Thanks, Adele!',
      });
      assert.equal(reply.state, 'sent', JSON.stringify(reply.error));
      assert.deepEqual(reply.to, [ADELE], 'a reply with no recipients goes to the sender');
      assert.equal(reply.subject, `Re: ${subject}`);
      const [answer] = await copiesIn(w.emu, ADELE, 'INBOX', reply.messageId);
      const parsedReply = await simpleParser(answer!);
      assert.equal(parsedReply.inReplyTo, `<${sent.messageId}>`);
      assert.deepEqual([parsedReply.references].flat(), [`<${sent.messageId}>`]);
      assert.match(
        parsedReply.text ?? '',
        /^Thanks, Adele!\n\nOn .* UTC, Adele Vance <adele@contoso\.example> wrote:\n> Hi Megan,\n> the numbers are in\./,
      );
      assert.match(String(parsedReply.html), /<blockquote[^>]*>.*the numbers are in/s);

      // The original is marked answered, in Mailroom at once and on the server in the background.
      const answered = await w.app.mailroom.deps.db
        .selectFrom('message_locations')
        .select('answered')
        .where('message_id', '=', original.id)
        .executeTakeFirstOrThrow();
      assert.equal(answered.answered, 1);
      for (let i = 0; ; i++) {
        const flags = await inEmulatorFolder(w.emu, MEGAN, 'INBOX', async (client) => {
          const [uid] =
            (await client.search({ header: { 'message-id': `<${sent.messageId}>` } }, { uid: true })) || [];
          const found = uid ? await client.fetchOne(String(uid), { flags: true }, { uid: true }) : false;
          return found === false ? undefined : found.flags;
        });
        if (flags?.has('\\Answered')) break;
        assert.ok(i < 100, 'the server’s copy is not marked \\Answered');
        await sleep(100);
      }
      const meganThread = await messageOf(w.meganToken, w.mailboxes.megan, reply.storedMessageId);
      assert.deepEqual(meganThread.threadMessageIds, [original.id, reply.storedMessageId], 'Megan’s thread');
      await w.sync(w.mailboxes.adele);
      const [adeleReply] = await findBySubject(w.adeleToken, w.mailboxes.adele, `Re: ${subject}`);
      const adeleThread = await messageOf(w.adeleToken, w.mailboxes.adele, adeleReply.id);
      assert.deepEqual(adeleThread.threadMessageIds, [sent.storedMessageId, adeleReply.id], 'Adele’s thread');
      assert.equal(
        (await findBySubject(w.adeleToken, w.mailboxes.adele, subject)).length,
        2,
        'no duplicate after sync',
      );
    });

    test('attachments round-trip byte for byte, and a forward carries them', async () => {
      const binary = randomBytes(300_000);
      const text = Buffer.from('Zeile 1\r\nLigne 2 – é\n', 'utf8');
      const sent = await w.send(w.adeleToken, w.mailboxes.adele, {
        to: [MEGAN],
        subject: `Files ${kind}`,
        text: 'Two files.',
        html: '<p>Two <b>files</b>.</p>',
        attachments: [
          {
            filename: 'data.bin',
            contentType: 'application/octet-stream',
            contentBase64: binary.toString('base64'),
          },
          { filename: 'Résumé 2026.txt', contentType: 'text/plain', contentBase64: text.toString('base64') },
        ],
      });
      assert.equal(sent.state, 'sent', JSON.stringify(sent.error));
      await w.sync(w.mailboxes.megan);
      const [summary] = await findBySubject(w.meganToken, w.mailboxes.megan, `Files ${kind}`);
      const message = await messageOf(w.meganToken, w.mailboxes.megan, summary.id);
      assert.match(message.html, /Two <b>files<\/b>/);
      const bytes = async (attachmentId: string) =>
        Buffer.from(
          await (
            await fetch(
              `${w.app.url}/api/mailboxes/${w.mailboxes.megan}/messages/${summary.id}/attachments/${attachmentId}`,
              {
                headers: { authorization: `Bearer ${w.meganToken}` },
              },
            )
          ).arrayBuffer(),
        );
      assert.deepEqual(
        message.attachments.map((a: Json) => a.filename),
        ['data.bin', 'Résumé 2026.txt'],
      );
      assert.deepEqual(await bytes(message.attachments[0].id), binary);
      assert.deepEqual(await bytes(message.attachments[1].id), text);

      const forward = await w.send(w.meganToken, w.mailboxes.megan, {
        mode: 'forward',
        originalId: summary.id,
        to: ['someone@example.net'],
        text: 'FYI',
      });
      assert.equal(forward.state, 'sent', JSON.stringify(forward.error));
      assert.equal(forward.subject, `Fwd: Files ${kind}`);
      const { body } = await control(w.emu, 'GET', '/mail/outbound');
      const out = body.messages.find((m: Json) => m.raw.includes(forward.messageId));
      const parsed = await simpleParser(Buffer.from(out.raw));
      assert.deepEqual(
        parsed.attachments.map((a) => [a.filename, a.content]),
        [
          ['data.bin', binary],
          ['Résumé 2026.txt', text],
        ],
      );
      assert.match(
        parsed.text ?? '',
        /^FYI\n\n---------- Forwarded message ----------\nFrom: Adele Vance <adele@contoso\.example>/,
      );
      assert.equal(parsed.inReplyTo, undefined, 'a forward starts a new thread');
    });

    test('535 5.7.139 on a mailbox set to SMTP: the administrator is told how to enable SMTP AUTH; reading goes on; Retry sends', async () => {
      // On Automatic it would go through Graph instead (graph-send.test.ts).
      const smtpOnly = await w.api(w.meganToken, 'PUT', `/mailboxes/${w.mailboxes.megan}/send-via`, {
        sendVia: 'smtp',
      });
      assert.equal(smtpOnly.status, 200, JSON.stringify(smtpOnly.json));
      assert.equal(smtpOnly.json.sendsThrough, 'smtp');
      await control(w.emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: false });
      let failed: Json;
      try {
        failed = await w.send(w.meganToken, w.mailboxes.megan, {
          to: [ADELE],
          subject: 'Blocked',
          text: 'x',
        });
        assert.equal(failed.state, 'failed');
        assert.equal(failed.error.code, 'smtp.auth_disabled');
        assert.equal(failed.error.forWhom, 'administrator');
        assert.match(failed.error.message, /535 5\.7\.139/);
        assert.match(
          failed.error.message,
          /Set-CASMailbox -Identity megan@contoso\.example -SmtpClientAuthenticationDisabled \$false/,
        );
        assert.equal(failed.attempts, 1, 'not retried: only a person can fix it');
        const mailbox = await findMailbox(w.app.mailroom.deps.db, w.mailboxes.megan);
        assert.equal(mailbox?.state, 'connected', 'reading is not blocked');
        assert.equal(mailbox?.sendProblem?.code, 'smtp.auth_disabled');
        const view = await w.api(w.meganToken, 'GET', `/mailboxes/${w.mailboxes.megan}`);
        assert.equal(view.json.sendProblem.code, 'smtp.auth_disabled');
      } finally {
        await control(w.emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: true });
      }
      const retried = await w.api(
        w.meganToken,
        'POST',
        `/mailboxes/${w.mailboxes.megan}/outgoing/${failed.id}/retry`,
      );
      assert.equal(retried.status, 202);
      const sent = await w.waitFor(w.mailboxes.megan, failed.id, ['sent', 'failed']);
      assert.equal(sent.state, 'sent');
      assert.equal(sent.messageId, failed.messageId, 'the same message, not a new one');
      assert.equal((await copiesIn(w.emu, ADELE, 'INBOX', sent.messageId)).length, 1);
      assert.equal((await findMailbox(w.app.mailroom.deps.db, w.mailboxes.megan))?.sendProblem, null);
      assert.equal(
        (await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.megan}/outgoing/${failed.id}/retry`))
          .status,
        409,
      );
      await w.api(w.meganToken, 'PUT', `/mailboxes/${w.mailboxes.megan}/send-via`, { sendVia: 'auto' });
    });

    test('535 5.7.3: one forced refresh; refused again, the mailbox must be reconnected', async () => {
      const tokensBefore = (await control(w.emu, 'GET', '/tokens')).body.tokens.length;
      await control(w.emu, 'PUT', '/faults/smtp', { mode: 'auth_rejected', count: 1 });
      const once = await w.send(w.meganToken, w.mailboxes.megan, {
        to: [ADELE],
        subject: 'After a refresh',
        text: 'x',
      });
      assert.equal(once.state, 'sent', 'the refreshed token went through');
      assert.ok((await control(w.emu, 'GET', '/tokens')).body.tokens.length > tokensBefore, 'refreshed');

      await control(w.emu, 'PUT', '/faults/smtp', { mode: 'auth_rejected', count: 2 });
      const failed = await w.send(w.meganToken, w.mailboxes.megan, {
        to: [ADELE],
        subject: 'Refused',
        text: 'x',
      });
      assert.equal(failed.state, 'failed');
      assert.equal(failed.error.code, 'smtp.auth_failed');
      assert.equal(failed.error.forWhom, 'mailbox_owner');
      assert.match(failed.error.message, /535 5\.7\.3.*reconnected/);
      const mailbox = await findMailbox(w.app.mailroom.deps.db, w.mailboxes.megan);
      assert.equal(mailbox?.state, 'reconnect_required');
      // The owner reconnects (here: the state is put back as a reconnect would), then Retry sends.
      await w.app.mailroom.deps.db
        .updateTable('mailboxes')
        .set({ state: 'connected', state_code: null, state_message: null })
        .where('id', '=', w.mailboxes.megan)
        .execute();
      await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.megan}/outgoing/${failed.id}/retry`);
      assert.equal((await w.waitFor(w.mailboxes.megan, failed.id, ['sent', 'failed'])).state, 'sent');
    });

    test('554 5.2.252: without Send As the system mailbox’s delegate is refused; with it, the copy goes to its Sent Items', async () => {
      await control(w.emu, 'DELETE', `/mailboxes/${SUPPORT}/grants`, {
        principal: ADELE,
        rights: ['SendAs'],
      });
      let failed: Json;
      try {
        failed = await w.send(w.adeleToken, w.mailboxes.support, {
          to: [MEGAN],
          subject: 'From support',
          text: 'x',
        });
        assert.equal(failed.state, 'failed');
        assert.equal(failed.error.code, 'smtp.send_as_denied');
        assert.equal(failed.error.forWhom, 'administrator');
        assert.match(
          failed.error.message,
          /adele@contoso\.example may not send as support@contoso\.example \(554 5\.2\.252 SendAsDenied\)/,
        );
        assert.match(
          failed.error.message,
          /Add-RecipientPermission -Identity support@contoso\.example -Trustee adele@contoso\.example -AccessRights SendAs/,
        );
        assert.equal((await copiesIn(w.emu, MEGAN, 'INBOX', failed.messageId)).length, 0);
      } finally {
        await control(w.emu, 'POST', `/mailboxes/${SUPPORT}/grants`, {
          principal: ADELE,
          rights: ['SendAs'],
        });
      }
      await w.api(w.adeleToken, 'POST', `/mailboxes/${w.mailboxes.support}/outgoing/${failed.id}/retry`);
      const sent = await w.waitFor(w.mailboxes.support, failed.id, ['sent', 'failed']);
      assert.equal(sent.state, 'sent', JSON.stringify(sent.error));
      const [arrived] = await copiesIn(w.emu, MEGAN, 'INBOX', sent.messageId);
      assert.equal((await simpleParser(arrived!)).from?.value[0]?.address, SUPPORT);
      assert.equal(
        sent.sentCopy,
        'appended',
        'Exchange kept the delegate’s copy; Mailroom put one in Support’s Sent Items',
      );
      assert.equal((await copiesIn(w.emu, SUPPORT, 'Sent Items', sent.messageId, ADELE)).length, 1);
    });

    test('a system mailbox switched off while a message waits: it is not sent, and an administrator is told', async () => {
      await control(w.emu, 'PUT', '/faults/smtp', { mode: 'temporary_failure', count: 2 });
      const queued = await w.api(w.adeleToken, 'POST', `/mailboxes/${w.mailboxes.support}/send`, {
        to: [MEGAN],
        subject: `Switched off ${kind}`,
        text: 'x',
      });
      assert.equal(queued.status, 202);
      const db = w.app.mailroom.deps.db;
      await db.updateTable('mailboxes').set({ enabled: 0 }).where('id', '=', w.mailboxes.support).execute();
      try {
        const failed = await w.waitFor(w.mailboxes.support, queued.json.id, ['sent', 'failed']);
        assert.equal(failed.state, 'failed');
        assert.equal(failed.error.code, 'send.mailbox_disabled');
        assert.equal(failed.error.forWhom, 'administrator');
        assert.equal((await copiesIn(w.emu, MEGAN, 'INBOX', failed.messageId)).length, 0);
      } finally {
        await db.updateTable('mailboxes').set({ enabled: 1 }).where('id', '=', w.mailboxes.support).execute();
        await control(w.emu, 'DELETE', '/faults/smtp');
      }
    });

    test('a refused recipient is named; with others it is sent to them and the refusal noted', async () => {
      const nobody = `nobody@${DEMO.domain}`;
      const failed = await w.send(w.meganToken, w.mailboxes.megan, {
        to: [nobody],
        subject: 'Nobody',
        text: 'x',
      });
      assert.equal(failed.state, 'failed');
      assert.equal(failed.error.code, 'smtp.recipient_rejected');
      assert.equal(failed.error.recipient, nobody);
      assert.equal(failed.error.forWhom, 'sender');
      assert.match(
        failed.error.message,
        /refused the recipient nobody@contoso\.example: there is no such mailbox.*550 5\.1\.10/,
      );
      const discard = () =>
        w.api(w.meganToken, 'DELETE', `/mailboxes/${w.mailboxes.megan}/outgoing/${failed.id}`);
      assert.equal((await discard()).status, 204, 'a failed message may be discarded');
      assert.equal((await discard()).status, 404);
      const partly = await w.send(w.meganToken, w.mailboxes.megan, {
        to: [ADELE],
        cc: [nobody],
        subject: 'Partly',
        text: 'x',
      });
      assert.equal(partly.state, 'sent');
      assert.equal(partly.error.code, 'smtp.recipient_rejected');
      assert.match(partly.error.message, /refused nobody@contoso\.example/);
      assert.equal((await copiesIn(w.emu, ADELE, 'INBOX', partly.messageId)).length, 1);
    });

    test('a connection cut after DATA, then a retry: exactly one copy is delivered', async () => {
      await control(w.emu, 'PUT', '/faults/smtp', { mode: 'drop_after_data', count: 1 });
      const sent = await w.send(w.meganToken, w.mailboxes.megan, {
        to: [ADELE],
        subject: `Cut ${kind}`,
        text: 'once',
      });
      assert.equal(sent.state, 'sent', JSON.stringify(sent.error));
      assert.equal(sent.attempts, 2, 'the first attempt never heard back');
      assert.equal((await copiesIn(w.emu, ADELE, 'INBOX', sent.messageId)).length, 1, 'one copy, not two');
      assert.equal((await copiesIn(w.emu, MEGAN, 'Sent Items', sent.messageId)).length, 1);

      await control(w.emu, 'PUT', '/faults/smtp', { mode: 'temporary_failure', count: 2 });
      const later = await w.send(w.meganToken, w.mailboxes.megan, {
        to: [ADELE],
        subject: `Busy ${kind}`,
        text: 'x',
      });
      assert.equal(later.state, 'sent');
      assert.equal(later.attempts, 3, '451 4.3.2 twice, retried with backoff');
      assert.equal((await copiesIn(w.emu, ADELE, 'INBOX', later.messageId)).length, 1);
    });

    test('a worker that died after the server took the message: another takes over after the lease, sends nothing twice', async () => {
      const sent = await w.send(w.meganToken, w.mailboxes.megan, {
        to: [ADELE],
        subject: `Crash ${kind}`,
        text: 'x',
      });
      assert.equal(sent.state, 'sent');
      // As if the process died between the server's 250 and the row's update: still "sending", its lease
      // `outgoing:<id>` held by the dead process until it runs out.
      const db = w.app.mailroom.deps.db;
      const orphan = async (leaseUntil: Date) => {
        await db
          .updateTable('outgoing_messages')
          .set({ state: 'sending', sent_at: null, lease_owner: 'dead-worker' })
          .where('id', '=', sent.id)
          .execute();
        await db
          .updateTable('leases')
          .set({ owner: 'dead-worker', until: leaseUntil.toISOString() })
          .where('name', '=', `outgoing:${sent.id}`)
          .execute();
      };
      await orphan(new Date(Date.now() + 60_000));
      await sleep(500);
      assert.equal(
        (await w.waitFor(w.mailboxes.megan, sent.id, ['sending'])).attempts,
        1,
        'a live lease is left alone',
      );
      await orphan(new Date(Date.now() - 1000));
      const recovered = await w.waitFor(w.mailboxes.megan, sent.id, ['sent', 'failed']);
      assert.equal(recovered.state, 'sent');
      assert.equal(recovered.attempts, 2);
      assert.equal(
        (await copiesIn(w.emu, ADELE, 'INBOX', sent.messageId)).length,
        1,
        'found in Sent Items, not resent',
      );
    });

    test('the Idempotency-Key: asking twice sends once; another request under it is refused', async () => {
      const body = { to: [ADELE], subject: `Once ${kind}`, text: 'only once' };
      const key = { 'idempotency-key': `key-${kind}-${Date.now()}` };
      const first = await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.megan}/send`, body, key);
      const second = await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.megan}/send`, body, key);
      assert.equal(first.status, 202);
      assert.equal(second.status, 200);
      assert.equal(second.headers.get('idempotent-replayed'), 'true');
      assert.equal(second.json.id, first.json.id);
      const other = await w.api(
        w.meganToken,
        'POST',
        `/mailboxes/${w.mailboxes.megan}/send`,
        { ...body, text: 'else' },
        key,
      );
      assert.equal(other.status, 409);
      assert.equal(other.json.error.code, 'send.idempotency_conflict');
      const done = await w.waitFor(w.mailboxes.megan, first.json.id, ['sent']);
      assert.equal((await copiesIn(w.emu, ADELE, 'INBOX', done.messageId)).length, 1);
      assert.equal(
        (
          await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.megan}/send`, body, {
            'idempotency-key': 'bad key',
          })
        ).status,
        400,
      );
    });

    test('every field is checked, and only the mailbox’s people may send from it', async () => {
      const send = (body: unknown, token = w.meganToken, mailbox = w.mailboxes.megan) =>
        w.api(token, 'POST', `/mailboxes/${mailbox}/send`, body);
      const bad = await send({ to: ['not an address', 'Ok <ok@example.net>'], cc: ['x@'], subject: 'a\nb' });
      assert.equal(bad.status, 400);
      assert.match(bad.json.error.fields.to, /Not an e-mail address: “not an address”/);
      assert.ok(bad.json.error.fields.cc);
      assert.ok(bad.json.error.fields.subject);
      assert.match((await send({ subject: 'x' })).json.error.fields.to, /at least one recipient/);
      assert.ok((await send({ to: [ADELE], mode: 'reply' })).json.error.fields.originalId);
      assert.ok(
        (await send({ to: [ADELE], mode: 'reply', originalId: 'nope' })).json.error.fields.originalId,
      );
      assert.ok((await send({ to: [ADELE], unknown: 1 })).json.error.fields);
      const big = await send({
        to: [ADELE],
        attachments: [{ filename: 'big.bin', contentBase64: randomBytes(2_200_000).toString('base64') }],
      });
      assert.match(big.json.error.fields.attachments, /may add up to 2\.0 MB/);
      assert.ok(
        (await send({ to: [ADELE], attachments: [{ filename: '../x', contentBase64: 'AA==' }] })).json.error
          .fields['attachments.0.filename'],
      );
      assert.equal((await send({ to: [ADELE] }, w.adeleToken)).status, 404, 'not Adele’s mailbox');
      const huge = await send({ to: [ADELE], text: 'x'.repeat(9 * 1024 * 1024) });
      assert.equal(huge.status, 413);
      assert.equal(huge.json.error.code, 'request.too_large');
      const outgoing = await w.api(w.meganToken, 'GET', `/mailboxes/${w.mailboxes.megan}/outgoing?limit=200`);
      assert.ok(outgoing.json.outgoing.length > 3);
      // Paged two at a time: every message once, newest first.
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await w.api(
          w.meganToken,
          'GET',
          `/mailboxes/${w.mailboxes.megan}/outgoing?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        );
        assert.equal(page.status, 200);
        ids.push(...page.json.outgoing.map((o: Json) => o.id));
        cursor = page.json.nextCursor;
      } while (cursor);
      assert.deepEqual(
        ids,
        outgoing.json.outgoing.map((o: Json) => o.id),
      );
      const sentOnly = await w.api(
        w.meganToken,
        'GET',
        `/mailboxes/${w.mailboxes.megan}/outgoing?state=sent`,
      );
      assert.equal(sentOnly.status, 200);
      assert.ok(sentOnly.json.outgoing.length > 0);
      assert.ok(sentOnly.json.outgoing.every((o: Json) => o.state === 'sent'));
      const queuedOnly = await w.api(
        w.meganToken,
        'GET',
        `/mailboxes/${w.mailboxes.megan}/outgoing?state=queued`,
      );
      assert.deepEqual(
        queuedOnly.json.outgoing,
        [],
        'nothing is queued: the filter leaves the sent ones out',
      );
      for (const query of ['state=lost', 'cursor=bm9wZQ', 'limit=0'])
        assert.equal(
          (await w.api(w.meganToken, 'GET', `/mailboxes/${w.mailboxes.megan}/outgoing?${query}`)).status,
          400,
          query,
        );
      assert.ok(!JSON.stringify(outgoing.json).includes('eyJ'), 'no token in the API');
      assert.ok(!w.app.logs.some((line) => /eyJ[\w-]+\.eyJ/.test(line)), 'no token in the logs');
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { control } from '../support/control.ts';
import { outlookToken } from '../support/mail-token.ts';

const ADELE = `adele@${DEMO.domain}`;
const MEGAN = `megan@${DEMO.domain}`;
const SUPPORT = `support@${DEMO.domain}`;

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
});

const transport = (user: string, accessToken: string, extra: Record<string, unknown> = {}) =>
  nodemailer.createTransport({
    host: '127.0.0.1',
    port: emu.mail!.smtp.port,
    secure: false,
    requireTLS: true,
    tls: { ca: emu.tls.caPem, servername: 'smtp.office365.com' },
    auth: { type: 'OAuth2', user, accessToken },
    ...extra,
  });

const send = async (user: string, token: string, mail: SendMailOptions) => {
  const t = transport(user, token);
  try {
    return await t.sendMail(mail);
  } finally {
    t.close();
  }
};

const sendError = (user: string, token: string, mail: SendMailOptions) =>
  send(user, token, mail).then(
    () => assert.fail('sending should fail'),
    (e: { code?: string; responseCode?: number; response?: string }) => e,
  );

const fetchSubjects = async (user: string, folder: string): Promise<string[]> => {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: emu.mail!.imap.port,
    secure: false,
    auth: { user, accessToken: await outlookToken(emu, user) },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock(folder);
    const messages = await client.fetchAll('1:*', { envelope: true }).catch(() => []);
    lock.release();
    return messages.map((m) => m.envelope?.subject ?? '');
  } finally {
    await client.logout();
  }
};

describe('SMTP submission: STARTTLS, XOAUTH2, Exchange answers', () => {
  test('a message to a user of the tenant lands in their Inbox, and once in the sender\u2019s Sent Items', async () => {
    const subject = `Hello Megan ${Date.now()}`;
    const info = await send(ADELE, await outlookToken(emu, ADELE), {
      from: ADELE,
      to: MEGAN,
      subject,
      text: 'Hi!',
    });
    assert.match(info.response, /^250 /);
    assert.ok((await fetchSubjects(MEGAN, 'INBOX')).includes(subject));
    assert.deepEqual(
      (await fetchSubjects(ADELE, 'Sent Items')).filter((s) => s === subject),
      [subject],
    );
  });

  test('mail to outside recipients is kept for inspection; unknown tenant addresses are refused', async () => {
    await send(ADELE, await outlookToken(emu, ADELE), {
      from: ADELE,
      to: 'someone@example.net',
      subject: 'Out',
      text: 'x',
    });
    const outbound = await control(emu, 'GET', '/mail/outbound');
    assert.ok(
      outbound.body.messages.some(
        (m: { to: string; raw: string }) => m.to === 'someone@example.net' && m.raw.includes('Subject: Out'),
      ),
    );
    const error = await sendError(ADELE, await outlookToken(emu, ADELE), {
      from: ADELE,
      to: `nobody@${DEMO.domain}`,
      subject: 'x',
      text: 'x',
    });
    assert.equal(error.responseCode, 550);
    assert.match(String(error.response), /^550 5\.1\.10 RESOLVER\.ADR\.RecipientNotFound/);
  });

  test('a rejected token, or one without SMTP.Send, gets 535 5.7.3', async () => {
    for (const token of [
      'not-a-token',
      await outlookToken(emu, ADELE, { scopes: ['IMAP.AccessAsUser.All'] }),
    ]) {
      const error = await sendError(ADELE, token, { from: ADELE, to: MEGAN, subject: 'x', text: 'x' });
      assert.equal(error.code, 'EAUTH');
      assert.equal(error.responseCode, 535);
      assert.match(String(error.response), /^535 5\.7\.3 Authentication unsuccessful \[/);
    }
  });

  test('SMTP AUTH switched off for the tenant or the mailbox gets 535 5.7.139', async () => {
    const token = await outlookToken(emu, ADELE);
    await control(emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: false });
    try {
      const error = await sendError(ADELE, token, { from: ADELE, to: MEGAN, subject: 'x', text: 'x' });
      assert.equal(error.responseCode, 535);
      assert.match(
        String(error.response),
        /^535 5\.7\.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant\./,
      );
    } finally {
      await control(emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: true });
    }
    await control(emu, 'PATCH', `/mailboxes/${ADELE}`, { smtpAuthEnabled: false });
    try {
      const error = await sendError(ADELE, token, { from: ADELE, to: MEGAN, subject: 'x', text: 'x' });
      assert.match(String(error.response), /^535 5\.7\.139 /);
    } finally {
      await control(emu, 'PATCH', `/mailboxes/${ADELE}`, { smtpAuthEnabled: null });
    }
  });

  test('From an address without Send As gets 554 5.2.252 SendAsDenied; with Send As it goes', async () => {
    const error = await sendError(MEGAN, await outlookToken(emu, MEGAN), {
      from: SUPPORT,
      to: ADELE,
      subject: 'x',
      text: 'x',
    });
    assert.equal(error.responseCode, 554);
    assert.match(
      String(error.response),
      /^554 5\.2\.252 SendAsDenied; megan@contoso\.example not allowed to send as support@contoso\.example;/,
    );
    const info = await send(ADELE, await outlookToken(emu, ADELE), {
      from: SUPPORT,
      to: MEGAN,
      subject: 'As support',
      text: 'x',
    });
    assert.match(info.response, /^250 /);
  });

  test('a delegate signs in as itself: AUTH as the shared mailbox gets 535 5.7.3 even with FullAccess', async () => {
    const error = await sendError(SUPPORT, await outlookToken(emu, ADELE), {
      from: SUPPORT,
      to: MEGAN,
      subject: 'x',
      text: 'x',
    });
    assert.equal(error.responseCode, 535);
    assert.match(String(error.response), /^535 5\.7\.3 /);
  });

  test('injected faults: cut after DATA (delivered, no reply), 451 4.3.2 (nothing delivered), 535 5.7.3', async () => {
    const token = await outlookToken(emu, ADELE);
    await control(emu, 'PUT', '/faults/smtp', { mode: 'drop_after_data' });
    const cut = await sendError(ADELE, token, { from: ADELE, to: MEGAN, subject: 'Cut off', text: 'x' });
    assert.equal(cut.responseCode, undefined, 'no reply came');
    assert.ok((await fetchSubjects(MEGAN, 'INBOX')).includes('Cut off'), 'yet it was delivered');

    await control(emu, 'PUT', '/faults/smtp', { mode: 'temporary_failure' });
    const busy = await sendError(ADELE, token, { from: ADELE, to: MEGAN, subject: 'Busy', text: 'x' });
    assert.equal(busy.responseCode, 451);
    assert.match(String(busy.response), /^451 4\.3\.2 Temporary server error/);
    assert.ok(!(await fetchSubjects(MEGAN, 'INBOX')).includes('Busy'));

    await control(emu, 'PUT', '/faults/smtp', { mode: 'auth_rejected', count: 1 });
    const refused = await sendError(ADELE, token, { from: ADELE, to: MEGAN, subject: 'x', text: 'x' });
    assert.match(String(refused.response), /^535 5\.7\.3 /);
    assert.match(
      (await send(ADELE, token, { from: ADELE, to: MEGAN, subject: 'Fine', text: 'x' })).response,
      /^250 /,
    );
    assert.equal((await control(emu, 'PUT', '/faults/smtp', { mode: 'nonsense' })).status, 400);
  });

  test('no AUTH before STARTTLS, and no basic authentication', async () => {
    const plain = transport(ADELE, await outlookToken(emu, ADELE), { requireTLS: false, ignoreTLS: true });
    await assert.rejects(plain.sendMail({ from: ADELE, to: MEGAN, subject: 'x', text: 'x' }));
    plain.close();
    const basic = nodemailer.createTransport({
      host: '127.0.0.1',
      port: emu.mail!.smtp.port,
      requireTLS: true,
      tls: { ca: emu.tls.caPem, servername: 'smtp.office365.com' },
      auth: { user: ADELE, pass: 'Adele-demo-1' },
    });
    const error = await basic
      .sendMail({ from: ADELE, to: MEGAN, subject: 'x', text: 'x' })
      .catch((e: { response?: string }) => e);
    basic.close();
    assert.match(
      String((error as { response?: string }).response),
      /^535 5\.7\.139 Authentication unsuccessful, basic authentication is disabled/,
    );
  });
});

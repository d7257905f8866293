import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { control } from '../support/control.ts';
import { outlookToken } from '../support/mail-token.ts';
import { connectRawImap, xoauth2 } from '../support/raw-imap.ts';

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

const imap = (user: string, accessToken: string, extra: Record<string, unknown> = {}) =>
  new ImapFlow({
    host: '127.0.0.1',
    port: emu.mail!.imap.port,
    secure: false,
    auth: { user, accessToken },
    logger: false,
    ...extra,
  });

describe('IMAP: Exchange-like XOAUTH2 in front of Dovecot', () => {
  test('imapflow logs in with an emulator token and sees Exchange capabilities and folders', async () => {
    const client = imap(ADELE, await outlookToken(emu, ADELE));
    await client.connect();
    try {
      const caps = [...client.capabilities.keys()];
      assert.ok(caps.includes('IDLE') && caps.includes('AUTH=XOAUTH2'));
      for (const absent of ['CONDSTORE', 'QRESYNC', 'ENABLE', 'SPECIAL-USE'])
        assert.ok(!caps.includes(absent), absent);
      const folders = await client.list();
      const byUse = Object.fromEntries(folders.map((f) => [f.specialUse ?? f.path, f.path]));
      assert.deepEqual(byUse, {
        '\\Inbox': 'INBOX',
        '\\Drafts': 'Drafts',
        '\\Sent': 'Sent Items',
        '\\Trash': 'Deleted Items',
        '\\Junk': 'Junk Email',
        '\\Archive': 'Archive',
      });
    } finally {
      await client.logout();
    }
  });

  test('greeting, capability and a rejected token use Exchange wire texts', async () => {
    const raw = await connectRawImap(emu.mail!.imap.port);
    try {
      assert.match(
        raw.greeting,
        /^\* OK The Microsoft Exchange IMAP4 service is ready\. \[[A-Za-z0-9+/=]+\]$/,
      );
      const caps = await raw.command('a1', 'CAPABILITY');
      assert.equal(
        caps[0],
        '* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+',
      );
      assert.deepEqual(await raw.command('a2', 'LOGIN adele secret'), ['a2 NO LOGIN failed.']);
      assert.deepEqual(await raw.command('a3', `AUTHENTICATE XOAUTH2 ${xoauth2(ADELE, 'not-a-token')}`), [
        'a3 NO AUTHENTICATE failed.',
      ]);
      // Without SASL-IR: continuation, then the response.
      assert.deepEqual(await raw.command('a4', 'AUTHENTICATE XOAUTH2'), ['+ ']);
      const token = await outlookToken(emu, ADELE);
      assert.deepEqual(
        await raw.reply(xoauth2(ADELE, token), 'a4').then((l) => l.at(-1)),
        'a4 OK AUTHENTICATE completed.',
      );
    } finally {
      raw.close();
    }
  });

  test('tokens for the wrong audience, without the IMAP scope, or expired are refused', async () => {
    const cases = [
      await outlookToken(emu, ADELE, {
        audience: '00000003-0000-0000-c000-000000000000',
        scopes: ['User.Read'],
      }),
      await outlookToken(emu, ADELE, { scopes: ['SMTP.Send'] }),
      await outlookToken(emu, ADELE, { lifetimeSec: -10 }),
    ];
    for (const token of cases) {
      const error = await imap(ADELE, token)
        .connect()
        .then(
          () => null,
          (e: { authenticationFailed?: boolean; response?: string }) => e,
        );
      assert.ok(error?.authenticationFailed, 'authentication should fail');
      assert.match(String(error?.response), /NO AUTHENTICATE failed\.$/);
    }
  });

  test('a shared mailbox opens with FullAccess; without it Exchange says "not connected"', async () => {
    const withRights = imap(SUPPORT, await outlookToken(emu, ADELE));
    await withRights.connect();
    await withRights.logout();

    const error = await imap(SUPPORT, await outlookToken(emu, MEGAN))
      .connect()
      .then(
        () => null,
        (e: { response?: string }) => e,
      );
    assert.equal(error?.response, 'User is authenticated but not connected.');

    const raw = await connectRawImap(emu.mail!.imap.port);
    try {
      const token = await outlookToken(emu, MEGAN);
      assert.deepEqual(await raw.command('b1', `AUTHENTICATE XOAUTH2 ${xoauth2(SUPPORT, token)}`), [
        'b1 OK AUTHENTICATE completed.',
      ]);
      assert.deepEqual(await raw.command('b2', 'SELECT INBOX'), [
        'b2 BAD User is authenticated but not connected.',
      ]);
    } finally {
      raw.close();
    }
  });

  test('a token that expires inside a live session ends it with BYE AccessTokenExpired', async () => {
    const raw = await connectRawImap(emu.mail!.imap.port);
    try {
      const token = await outlookToken(emu, ADELE, { lifetimeSec: 60 });
      assert.deepEqual(await raw.command('c1', `AUTHENTICATE XOAUTH2 ${xoauth2(ADELE, token)}`), [
        'c1 OK AUTHENTICATE completed.',
      ]);
      assert.match(String((await raw.command('c2', 'NOOP')).at(-1)), /^c2 OK NOOP completed/);
      await control(emu, 'POST', '/clock', { advanceSeconds: 120 });
      assert.deepEqual(await raw.command('c3', 'SELECT INBOX'), [
        '* BYE Session invalidated - AccessTokenExpired',
      ]);
    } finally {
      await control(emu, 'POST', '/clock', { offsetMs: 0 });
      raw.close();
    }
  });

  test('throttling answers with the suggested backoff, and imapflow waits and carries on', async () => {
    const raw = await connectRawImap(emu.mail!.imap.port);
    try {
      const token = await outlookToken(emu, ADELE);
      await raw.command('d1', `AUTHENTICATE XOAUTH2 ${xoauth2(ADELE, token)}`);
      await control(emu, 'PUT', '/faults/imap-throttle', { backoffMs: 92415, mailbox: ADELE, count: 1 });
      assert.deepEqual(await raw.command('d2', 'SELECT INBOX'), [
        'd2 BAD Request is throttled. Suggested Backoff Time: 92415 milliseconds',
      ]);
      assert.match(String((await raw.command('d3', 'SELECT INBOX')).at(-1)), /^d3 OK /);
    } finally {
      raw.close();
    }
    await control(emu, 'POST', '/mail/seed', { address: ADELE, folder: 'Archive', count: 3 });
    const client = imap(ADELE, await outlookToken(emu, ADELE));
    await client.connect();
    try {
      const lock = await client.getMailboxLock('Archive');
      await control(emu, 'PUT', '/faults/imap-throttle', { backoffMs: 300, mailbox: ADELE, count: 1 });
      const started = Date.now();
      const messages = await client.fetchAll('1:*', { uid: true });
      lock.release();
      assert.equal(messages.length, 3);
      assert.ok(Date.now() - started >= 300, 'imapflow waited the suggested backoff');
    } finally {
      await control(emu, 'DELETE', '/faults/imap-throttle');
      await client.logout();
    }
  });
});

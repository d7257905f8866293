import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { control } from '../support/control.ts';
import { outlookToken } from '../support/mail-token.ts';

const MEGAN = `megan@${DEMO.domain}`;

let emu: RunningEmulator;
let rich: RunningEmulator;
before(async () => {
  [emu, rich] = await Promise.all([startEmulator(), startEmulator({ mail: { profile: 'rich' } })]);
});
after(async () => {
  await Promise.all([emu?.stop(), rich?.stop()]);
});

const connect = async (target: RunningEmulator, user: string, extra: Record<string, unknown> = {}) => {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: target.mail!.imap.port,
    secure: false,
    auth: { user, accessToken: await outlookToken(target, user) },
    logger: false,
    ...extra,
  });
  await client.connect();
  return client;
};

describe('mail store: seeding, IDLE, TLS and capability profiles', () => {
  test('2,000 generated messages are seeded far faster than IMAP APPEND, and all fetched', async () => {
    const seeded = await control(emu, 'POST', '/mail/seed', {
      address: MEGAN,
      folder: 'Archive',
      count: 2000,
    });
    assert.equal(seeded.status, 201);
    assert.equal(seeded.body.seeded, 2000);
    // Files straight into the Maildir: ~0.2 s for 2,000 on a quiet machine, but 2 s and more while other jobs
    // load the disk; IMAP APPEND manages ~400 msg/s (mail-test-rig.md §2), 5 s for 2,000. 2 ms a message
    // tells the two apart without failing on a busy machine.
    assert.ok(seeded.body.ms < 4000, `seeding 2,000 took ${seeded.body.ms} ms`);
    const client = await connect(emu, MEGAN);
    try {
      const lock = await client.getMailboxLock('Archive');
      const ids = new Set<string>();
      for await (const message of client.fetch('1:*', { envelope: true }))
        ids.add(message.envelope?.messageId ?? '');
      lock.release();
      assert.equal(ids.size, 2000);
    } finally {
      await client.logout();
    }
  });

  test('given messages are stored unchanged, with their flags', async () => {
    const raw =
      'From: a@example.net\r\nTo: megan@contoso.example\r\nSubject: Given\r\nMessage-ID: <given-1@example.net>\r\n\r\nBody \u00e9\r\n';
    await control(emu, 'POST', '/mail/seed', {
      address: MEGAN,
      folder: 'Drafts',
      messages: [raw],
      flags: ['\\Seen', '\\Flagged'],
    });
    const client = await connect(emu, MEGAN);
    try {
      const lock = await client.getMailboxLock('Drafts');
      const [message] = await client.fetchAll('1:*', { source: true, flags: true });
      lock.release();
      assert.equal(message?.source?.toString('utf8'), raw);
      assert.deepEqual([...(message?.flags ?? [])].filter((f) => f !== '\\Recent').sort(), [
        '\\Flagged',
        '\\Seen',
      ]);
    } finally {
      await client.logout();
    }
  });

  test('a message delivered while the client idles reaches it within 2 seconds', async () => {
    const client = await connect(emu, MEGAN);
    try {
      const lock = await client.getMailboxLock('INBOX');
      const arrived = new Promise<number>((resolve) =>
        client.on('exists', (e: { count: number }) => resolve(e.count)),
      );
      const idle = client.idle();
      const started = Date.now();
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', count: 1 });
      const count = await Promise.race([
        arrived,
        new Promise<number>((_, r) => setTimeout(() => r(new Error('no EXISTS')), 2000)),
      ]);
      assert.ok(count >= 1);
      assert.ok(Date.now() - started < 2000);
      lock.release();
      void idle;
    } finally {
      await client.logout();
    }
  });

  test('implicit TLS works when the client trusts the emulator CA', async () => {
    const client = await connect(emu, MEGAN, {
      port: emu.mail!.imap.tlsPort,
      secure: true,
      tls: { ca: emu.tls.caPem, servername: 'outlook.office365.com' },
    });
    assert.ok(client.usable);
    await client.logout();
    const untrusted = new ImapFlow({
      host: '127.0.0.1',
      port: emu.mail!.imap.tlsPort,
      secure: true,
      auth: { user: MEGAN, accessToken: await outlookToken(emu, MEGAN) },
      logger: false,
    });
    await assert.rejects(untrusted.connect());
  });

  test('the rich profile offers all of Dovecot, CONDSTORE and QRESYNC included', async () => {
    const client = await connect(rich, MEGAN, { qresync: true });
    try {
      assert.ok(client.capabilities.has('CONDSTORE'));
      assert.ok(client.capabilities.has('QRESYNC'));
      const mailbox = await client.mailboxOpen('INBOX');
      assert.equal(typeof mailbox.highestModseq, 'bigint');
    } finally {
      await client.logout();
    }
  });
});

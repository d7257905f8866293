import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import type { MailServers } from '../../src/mail-servers.ts';
import type { FetchedSource } from '../../src/transports/imap-smtp/fetch-response.ts';
import { closeImap, openImap } from '../../src/transports/imap-smtp/imap-session.ts';
import { fetchSources } from '../../src/transports/imap-smtp/listing-fetch.ts';
import { control } from '../support/control.ts';
import { emulatorMailServers, inEmulatorFolder, outlookToken } from '../support/mail-token.ts';

const MEGAN = `megan@${DEMO.domain}`;
const FOLDER = 'Archive';
const MAX = 256 * 1024;

let emu: RunningEmulator;
let servers: MailServers;
before(async () => {
  emu = await startEmulator();
  servers = emulatorMailServers(emu);
  const seeded = await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: FOLDER, count: 600 });
  assert.equal(seeded.status, 201);
});
after(async () => {
  await emu?.stop();
});

/** Megan's session over implicit TLS, as the sync opens it, with FOLDER selected. */
const inFolder = async <T>(fn: (client: ImapFlow) => Promise<T>): Promise<T> => {
  const client = await openImap(servers, { user: MEGAN, accessToken: await outlookToken(emu, MEGAN) });
  try {
    const lock = await client.getMailboxLock(FOLDER);
    try {
      return await fn(client);
    } finally {
      lock.release();
    }
  } finally {
    await closeImap(client);
  }
};

/** imapflow must not be asked to FETCH: the listing reads the socket itself. */
const withoutImapflowFetch = (client: ImapFlow): void => {
  client.fetch = () => {
    throw new Error('imapflow fetch used');
  };
};

const all = async (iterable: AsyncIterable<FetchedSource>): Promise<FetchedSource[]> => {
  const out: FetchedSource[] = [];
  for await (const m of iterable) out.push(m);
  return out;
};

describe('the listing FETCH read off the session’s socket (Dovecot)', () => {
  test('gives what imapflow gives, byte for byte, and the session goes on with imapflow', async () => {
    await inFolder(async (client) => {
      const expected: FetchedSource[] = [];
      for await (const m of client.fetch(
        '1:*',
        { uid: true, flags: true, internalDate: true, size: true, source: { maxLength: MAX } },
        { uid: true },
      ))
        expected.push({
          uid: m.uid,
          flags: [...(m.flags ?? [])],
          internalDate: m.internalDate as Date,
          size: m.size ?? null,
          source: m.source ?? null,
        });
      assert.equal(expected.length, 600);
      withoutImapflowFetch(client);
      const got = await all(fetchSources(client, '1:*', MAX));
      assert.deepEqual(got, expected);
      // The socket is imapflow's again: its next commands are answered.
      const uids = await client.search({ all: true }, { uid: true });
      assert.equal(uids ? uids.length : 0, 600);
      const status = await client.status(FOLDER, { messages: true });
      assert.equal(status ? status.messages : 0, 600);
    });
  });

  test('an EXISTS sent during the FETCH reaches imapflow (its event and its count)', async () => {
    await inFolder(async (client) => {
      const heard: number[] = [];
      client.on('exists', (e: { count: number }) => heard.push(e.count));
      await inEmulatorFolder(emu, MEGAN, FOLDER, (other) =>
        other.append(FOLDER, Buffer.from('Subject: late\r\n\r\nhello\r\n')),
      );
      withoutImapflowFetch(client);
      const got = await all(fetchSources(client, '1:3', MAX));
      assert.equal(got.length, 3);
      // Dovecot tells the new message with this command's answer; imapflow heard it.
      const until = Date.now() + 5000;
      while (heard.length === 0 && Date.now() < until) await client.noop();
      assert.deepEqual(heard, [601]);
      assert.equal(client.mailbox ? client.mailbox.exists : 0, 601);
    });
  });

  test('a caller that stops early ends the session instead of leaving it mid-answer', async () => {
    await inFolder(async (client) => {
      withoutImapflowFetch(client);
      let n = 0;
      for await (const _ of fetchSources(client, '1:*', MAX)) if (++n === 10) break;
      const closed = await new Promise<boolean>((resolve) => {
        if (!client.usable) return resolve(true);
        client.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 5000).unref();
      });
      assert.ok(closed, 'the session was closed');
    });
  });

  test('a session in the middle of a command is not taken over: imapflow reads it', async () => {
    await inFolder(async (client) => {
      let used = 0;
      const fetch = client.fetch.bind(client);
      client.fetch = ((...args: Parameters<ImapFlow['fetch']>) => {
        used++;
        return fetch(...args);
      }) as ImapFlow['fetch'];
      // A NOOP in flight: the socket still carries imapflow's answer to come.
      const noop = client.noop();
      const got = await all(fetchSources(client, '1:5', MAX));
      await noop;
      assert.equal(got.length, 5);
      assert.equal(used, 1);
    });
  });
});

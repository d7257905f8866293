import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ListResponse } from 'imapflow';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import type { MailServers } from '../../src/mail-servers.ts';
import { buildFolderTree, type FolderNode } from '../../src/transports/folder-tree.ts';
import { ImapError, suggestedBackoffMs, toImapError } from '../../src/transports/imap-smtp/imap-error.ts';
import { openImap, withImap } from '../../src/transports/imap-smtp/imap-session.ts';
import { folderFromListEntry, listFolders } from '../../src/transports/imap-smtp/list-folders.ts';
import { SmtpError, toSmtpError } from '../../src/transports/imap-smtp/smtp-error.ts';
import { createSmtpTransport, verifySmtp } from '../../src/transports/imap-smtp/smtp-session.ts';
import { control } from '../support/control.ts';
import { emulatorMailServers, outlookToken } from '../support/mail-token.ts';

const ADELE = `adele@${DEMO.domain}`;
const MEGAN = `megan@${DEMO.domain}`;
const SUPPORT = `support@${DEMO.domain}`;

let emu: RunningEmulator;
let servers: MailServers;
before(async () => {
  emu = await startEmulator();
  servers = emulatorMailServers(emu);
});
after(async () => {
  await emu?.stop();
});

/** The typed error a promise rejects with. */
const failure = async <E>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> => {
  const error = await promise.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof type, `not a ${type.name}: ${String(error)}`);
  return error;
};
const adele = async (lifetimeSec = 3600) => ({
  user: ADELE,
  accessToken: await outlookToken(emu, ADELE, { lifetimeSec }),
});

describe('IMAP adapter against the emulator (Exchange texts, §13.3)', () => {
  test('lists Exchange folders with their special use from LIST attributes, then logs out', async () => {
    let session: { usable: boolean } | undefined;
    const folders = await withImap(servers, await adele(), (client) => {
      session = client;
      return listFolders(client);
    });
    assert.deepEqual(
      folders.map((f) => [f.path, f.specialUse, f.parentPath, f.delimiter, f.selectable]),
      [
        ['INBOX', '\\Inbox', null, '/', true],
        ['Drafts', '\\Drafts', null, '/', true],
        ['Sent Items', '\\Sent', null, '/', true],
        ['Deleted Items', '\\Trash', null, '/', true],
        ['Junk Email', '\\Junk', null, '/', true],
        ['Archive', '\\Archive', null, '/', true],
      ],
    );
    assert.equal(session?.usable, false);
  });

  test('a rejected token is imap.auth_failed; a mailbox without FullAccess is imap.not_connected', async () => {
    const bad = await failure(openImap(servers, { user: ADELE, accessToken: 'not-a-token' }), ImapError);
    assert.equal(bad.code, 'imap.auth_failed');
    const megan = await outlookToken(emu, MEGAN);
    const shared = await failure(openImap(servers, { user: SUPPORT, accessToken: megan }), ImapError);
    assert.equal(shared.code, 'imap.not_connected');
  });

  test('throttling that outlasts the command is imap.throttled with the suggested backoff', async () => {
    try {
      const error = await failure(
        withImap(servers, await adele(), async (client) => {
          await control(emu, 'PUT', '/faults/imap-throttle', { backoffMs: 200, mailbox: ADELE, count: 5 });
          return listFolders(client);
        }),
        ImapError,
      );
      assert.equal(error.code, 'imap.throttled');
      assert.equal(error.backoffMs, 200);
    } finally {
      await control(emu, 'DELETE', '/faults/imap-throttle');
    }
  });

  test('a token that expires inside the session is imap.token_expired', async () => {
    try {
      const error = await failure(
        withImap(servers, await adele(60), async (client) => {
          await control(emu, 'POST', '/clock', { advanceSeconds: 120 });
          return listFolders(client);
        }),
        ImapError,
      );
      assert.equal(error.code, 'imap.token_expired');
    } finally {
      await control(emu, 'POST', '/clock', { offsetMs: 0 });
    }
  });

  test('refused, untrusted, silent and cancelled connections', async () => {
    const login = await adele();
    const refused = { ...servers, imap: { host: '127.0.0.1', port: 1 } };
    assert.equal((await failure(openImap(refused, login), ImapError)).code, 'imap.unreachable');
    assert.equal((await failure(openImap({ ...servers, ca: null }, login), ImapError)).code, 'imap.tls');

    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as { port: number }).port;
      const quiet = { ...servers, imap: { host: '127.0.0.1', port } };
      const timedOut = await failure(openImap(quiet, login, { timeoutMs: 300 }), ImapError);
      assert.equal(timedOut.code, 'imap.timeout');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
    const aborted = await failure(openImap(servers, login, { signal: AbortSignal.abort() }), ImapError);
    assert.equal(aborted.code, 'imap.closed');
  });
});

describe('toImapError: imapflow-shaped errors, by code and fields', () => {
  const throttledText = 'Request is throttled. Suggested Backoff Time: 5000 milliseconds';
  const cases: [string, unknown, number | null][] = [
    ['imap.throttled', { code: 'ETHROTTLE', throttleReset: 92415, responseStatus: 'BAD' }, 92415],
    ['imap.throttled', { responseStatus: 'BAD', responseText: throttledText }, 5000],
    [
      'imap.token_expired',
      { code: 'NoConnection', reason: 'Session invalidated - AccessTokenExpired' },
      null,
    ],
    ['imap.closed', { code: 'NoConnection', reason: 'Connection closed. 14' }, null],
    ['imap.unavailable', { responseStatus: 'NO', serverResponseCode: 'UNAVAILABLE' }, null],
    ['imap.unavailable', { code: 'ParserErrorExchange' }, null],
    ['imap.unreachable', { code: 'ENOTFOUND' }, null],
    ['imap.timeout', { code: 'CONNECT_TIMEOUT' }, null],
    ['imap.timeout', { code: 'ETIMEOUT' }, null],
    ['imap.tls', { code: 'ERR_SSL_WRONG_VERSION_NUMBER', reason: 'wrong version number' }, null],
    ['imap.tls', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, null],
    ['imap.protocol', { code: 'ParserError3' }, null],
    ['imap.protocol', 'not an error object', null],
  ];
  for (const [code, error, backoffMs] of cases)
    test(`${code} from ${JSON.stringify(error)}`, () => {
      const translated = toImapError(error);
      assert.deepEqual([translated.code, translated.backoffMs, translated.cause], [code, backoffMs, error]);
    });

  test('the backoff parser reads Exchange\u2019s literal line and nothing else', () => {
    assert.equal(suggestedBackoffMs(throttledText), 5000);
    assert.equal(suggestedBackoffMs('User is authenticated but not connected.'), null);
  });
});

const entry = (path: string, flags: string[], extra: Partial<ListResponse> = {}): ListResponse => {
  const parent = path.split('/');
  const name = parent.pop()!;
  return {
    path,
    pathAsListed: path,
    name,
    delimiter: '/',
    parent,
    parentPath: parent.join('/'),
    flags: new Set(flags),
    listed: true,
    subscribed: true,
    ...extra,
  };
};

describe('folders from LIST attributes, and the folder tree', () => {
  const cases: [string, ListResponse, string | null, boolean][] = [
    ['INBOX is the inbox whatever its case', entry('Inbox', ['\\HasNoChildren']), '\\Inbox', true],
    ['a localized Sent Items, by attribute', entry('Gesendete Elemente', ['\\Sent']), '\\Sent', true],
    ['attributes compare case-insensitively', entry('Papierkorb', ['\\trash']), '\\Trash', true],
    [
      'a name alone is not a special use',
      entry('Sent', [], { specialUse: '\\Sent', specialUseSource: 'name' }),
      null,
      true,
    ],
    ['\\All is not one Mailroom uses', entry('All Mail', ['\\All']), null, true],
    ['\\Noselect is a tree node only', entry('Clients', ['\\Noselect', '\\HasChildren']), null, false],
    ['\\NonExistent is a tree node only', entry('Gone', ['\\NonExistent']), null, false],
  ];
  for (const [name, listed, specialUse, selectable] of cases)
    test(name, () => {
      const folder = folderFromListEntry(listed);
      assert.deepEqual([folder.specialUse, folder.selectable], [specialUse, selectable]);
    });

  const shape = (nodes: readonly FolderNode[]): unknown[] =>
    nodes.map((n) => (n.children.length ? [n.path, shape(n.children)] : n.path));
  const tree = (...listed: ListResponse[]) => shape(buildFolderTree(listed.map(folderFromListEntry)));

  test('INBOX, then special-use folders, then the rest alphabetically, children under parents', () => {
    assert.deepEqual(
      tree(
        entry('Zeta', []),
        entry('Archive', ['\\Archive']),
        entry('Clients/Beta', []),
        entry('Deleted Items', ['\\Trash']),
        entry('Clients', ['\\HasChildren']),
        entry('INBOX/Receipts', []),
        entry('Clients/Alpha', []),
        entry('Sent Items', ['\\Sent']),
        entry('INBOX', []),
        entry('Drafts', ['\\Drafts']),
        entry('Junk Email', ['\\Junk']),
      ),
      [
        ['INBOX', ['INBOX/Receipts']],
        'Drafts',
        'Sent Items',
        'Deleted Items',
        'Junk Email',
        'Archive',
        ['Clients', ['Clients/Alpha', 'Clients/Beta']],
        'Zeta',
      ],
    );
  });

  test('special use ranks first among siblings; a folder whose parent was not listed stays visible', () => {
    assert.deepEqual(
      tree(
        entry('[Gmail]', ['\\Noselect']),
        entry('[Gmail]/All Mail', ['\\All']),
        entry('[Gmail]/Sent Mail', ['\\Sent']),
      ),
      [['[Gmail]', ['[Gmail]/Sent Mail', '[Gmail]/All Mail']]],
    );
    assert.deepEqual(tree(entry('Projects/2024', []), entry('Archive', ['\\Archive'])), [
      'Archive',
      'Projects/2024',
    ]);
  });
});

describe('SMTP adapter against the emulator (Exchange answers, §13.5)', () => {
  test('verifySmtp passes EHLO, STARTTLS and AUTH XOAUTH2', async () => {
    await verifySmtp(servers, await adele());
  });

  test('a rejected token is smtp.auth_failed (535 5.7.3)', async () => {
    const error = await failure(verifySmtp(servers, { user: ADELE, accessToken: 'not-a-token' }), SmtpError);
    assert.deepEqual(
      [error.code, error.responseCode, error.enhancedCode],
      ['smtp.auth_failed', 535, '5.7.3'],
    );
  });

  test('SMTP AUTH disabled for the tenant is smtp.auth_disabled (535 5.7.139)', async () => {
    const login = await adele();
    await control(emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: false });
    try {
      const error = await failure(verifySmtp(servers, login), SmtpError);
      assert.deepEqual(
        [error.code, error.responseCode, error.enhancedCode],
        ['smtp.auth_disabled', 535, '5.7.139'],
      );
    } finally {
      await control(emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: true });
    }
  });

  test('what nodemailer really throws for Send As and an unknown recipient', async () => {
    const megan = createSmtpTransport(servers, { user: MEGAN, accessToken: await outlookToken(emu, MEGAN) });
    try {
      const sendAs = toSmtpError(
        await megan.sendMail({ from: SUPPORT, to: ADELE, text: 'x' }).catch((e) => e),
      );
      assert.deepEqual([sendAs.code, sendAs.enhancedCode], ['smtp.send_as_denied', '5.2.252']);
      const nobody = `nobody@${DEMO.domain}`;
      const rcpt = toSmtpError(await megan.sendMail({ from: MEGAN, to: nobody, text: 'x' }).catch((e) => e));
      assert.deepEqual(
        [rcpt.code, rcpt.responseCode, rcpt.recipient],
        ['smtp.recipient_rejected', 550, nobody],
      );
    } finally {
      megan.close();
    }
  });
});

describe('toSmtpError: nodemailer-shaped errors, by code, reply code and enhanced status', () => {
  const sendAs = `554 5.2.252 SendAsDenied; a@x.example not allowed to send as b@x.example; STOREDRV.Submission.Exception`;
  /** What nodemailer's `_formatError` makes of a server reply. */
  const reply = (code: string, response: string, extra: object = {}) => ({
    code,
    response,
    responseCode: Number(response.slice(0, 3)),
    ...extra,
  });
  const cases: [string, object, string | null][] = [
    ['smtp.send_as_denied', reply('EMESSAGE', sendAs, { command: 'DATA' }), null],
    [
      'smtp.send_as_denied',
      reply('EENVELOPE', '550 5.7.60 SMTP; Client does not have permissions to send as this sender', {
        command: 'MAIL FROM',
      }),
      null,
    ],
    [
      'smtp.recipient_rejected',
      reply('EENVELOPE', '550 5.1.10 RESOLVER.ADR.RecipientNotFound', {
        command: 'RCPT TO',
        recipient: 'a@x.example',
      }),
      'a@x.example',
    ],
    [
      'smtp.recipient_rejected',
      reply('EENVELOPE', '550 5.1.1 User unknown', { command: 'RCPT TO', rejected: ['b@x.example'] }),
      'b@x.example',
    ],
    ['smtp.message_rejected', reply('EENVELOPE', '550 5.7.1 Refused', { command: 'MAIL FROM' }), null],
    ['smtp.auth_disabled', reply('EAUTH', '535 5.7.139 Authentication unsuccessful'), null],
    ['smtp.tls', reply('ETLS', '454 4.7.0 TLS not available'), null],
    ['smtp.protocol', reply('EPROTOCOL', '999 what'), null],
    ['smtp.unreachable', { code: 'ESOCKET', originalCode: 'ECONNREFUSED' }, null],
    ['smtp.tls', { code: 'ESOCKET', originalCode: 'SELF_SIGNED_CERT_IN_CHAIN' }, null],
    ['smtp.timeout', { code: 'ETIMEDOUT' }, null],
  ];
  for (const [code, error, recipient] of cases)
    test(`${code} from ${JSON.stringify(error).slice(0, 80)}`, () => {
      const translated = toSmtpError(error);
      assert.deepEqual([translated.code, translated.recipient, translated.cause], [code, recipient, error]);
    });

  test('the reply code, enhanced status code and reply text are kept', () => {
    const error = toSmtpError(reply('EMESSAGE', sendAs));
    assert.deepEqual([error.responseCode, error.enhancedCode, error.serverText], [554, '5.2.252', sendAs]);
  });
});

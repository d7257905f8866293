// Sending prepared MIME through the emulator's Graph: a reply whose threading headers survive into Sent Items
// and the recipient's Inbox, 10 MB through a draft and an upload session, a system mailbox with and without
// Send As, and the sent copy found by Message-ID.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { fetchMime } from '../../src/transports/graph/fetch-mime.ts';
import { findSentCopy } from '../../src/transports/graph/find-sent-copy.ts';
import {
  createGraphClientFactory,
  type GraphClient,
  type GraphClientFactory,
} from '../../src/transports/graph/graph-client.ts';
import { GraphError } from '../../src/transports/graph/graph-error.ts';
import { createGraphFetch } from '../../src/transports/graph/graph-fetch.ts';
import { SEND_MIME_MAX_BYTES, sendMime } from '../../src/transports/graph/send-mime.ts';
import { readHeaders } from '../../src/transports/graph/split-mime.ts';
import { UPLOAD_CHUNK_BYTES } from '../../src/transports/graph/upload-session.ts';
import { control } from '../support/control.ts';
import { graphToken } from '../support/graph-token.ts';
import {
  GRAPH_MAIL_RESOURCE_SCOPES,
  type GraphTokenSource,
  graphTokenSource,
} from '../support/graph-token-source.ts';
import { inEmulatorFolder } from '../support/mail-token.ts';
import { DEMO_PASSWORDS } from '../support/ms-signin.ts';
import { waitFor } from '../support/wait-for.ts';

const ADELE = `adele@${DEMO.domain}`;
const MEGAN = `megan@${DEMO.domain}`;
const SUPPORT = `support@${DEMO.domain}`;
let emu: RunningEmulator;
let adele: GraphTokenSource;
let client: GraphClient;
let factory: GraphClientFactory;

before(async () => {
  emu = await startEmulator();
  adele = await graphTokenSource(emu, ADELE, DEMO_PASSWORDS[ADELE]!);
  const real = createGraphFetch({ extraCaPem: emu.tls.caPem, connectTimeoutMs: 5_000 });
  factory = createGraphClientFactory({
    baseUrl: `${emu.httpsUrl}/v1.0`,
    // The real fetch, recording what went out (an injected wrapper, not a patched global).
    fetch: (url, init) => {
      sentRequests.push({ method: init.method, url, headers: { ...init.headers } });
      return real(url, init);
    },
    timeoutMs: 60_000,
  });
  client = factory.client(adele.getToken);
  megan = factory.client(async () =>
    graphToken(emu, MEGAN, { scopes: ['Mail.ReadWrite', 'Mail.Send', 'Mail.Send.Shared'] }),
  );
});
after(() => emu?.stop());
let megan: GraphClient;
const sentRequests: { method: string; url: string; headers: Record<string, string> }[] = [];

const reply = (from: string, attachment?: Buffer) => {
  const id = `${randomBytes(6).toString('hex')}@contoso.example`;
  return {
    id: `<${id}>`,
    mime: new MailComposer({
      from,
      to: MEGAN,
      subject: `Re: plans ${id}`,
      messageId: `<${id}>`,
      inReplyTo: '<plans-0@contoso.example>',
      references: '<plans-root@contoso.example> <plans-0@contoso.example>',
      text: 'Thursday works.',
      attachments: attachment ? [{ filename: 'big.bin', content: attachment }] : [],
    })
      .compile()
      .build(),
  };
};

const threading = (raw: Buffer) => {
  const head = raw.subarray(0, raw.indexOf('\r\n\r\n') + 4).toString('latin1');
  const h = readHeaders(head);
  return { id: h.get('message-id'), inReplyTo: h.get('in-reply-to'), references: h.get('references') };
};

const sentCopy = (c: GraphClient, mailbox: string, id: string) =>
  waitFor(() => findSentCopy(c, mailbox, id), 10_000, `sent copy ${id} in ${mailbox}`);

test('a reply under 3 MB goes in one sendMail, lands once in Sent Items with Message-ID, In-Reply-To and References intact', async () => {
  const { id, mime } = reply(ADELE);
  const sent = await sendMime(client, 'me', await mime);
  assert.deepEqual(sent, { via: 'sendMail' });
  const copy = await sentCopy(client, 'me', id);
  assert.equal(copy.internetMessageId, id);
  const raw = await fetchMime(client, 'me', copy.id, { maxBytes: 1024 * 1024 });
  assert.deepEqual(threading(raw), {
    id,
    inReplyTo: '<plans-0@contoso.example>',
    references: '<plans-root@contoso.example> <plans-0@contoso.example>',
  });
  // Once, and seen by IMAP in Sent Items too.
  const overImap = await inEmulatorFolder(emu, ADELE, 'Sent Items', async (imap) =>
    imap.search({ header: { 'message-id': id } }),
  );
  assert.equal(Array.isArray(overImap) ? overImap.length : 0, 1);
  const delivered = await waitFor(
    () =>
      inEmulatorFolder(emu, MEGAN, 'INBOX', async (imap) => {
        const found = await imap.search({ header: { 'message-id': id } });
        return Array.isArray(found) && found.length > 0 ? found : null;
      }),
    10_000,
    'delivery to Megan',
  );
  assert.equal(delivered.length, 1);
});

test('a 10 MB attachment goes through a draft and an upload session; the sent copy keeps the headers and the bytes', async () => {
  const file = randomBytes(10 * 1024 * 1024);
  const { id, mime } = reply(ADELE, file);
  const raw = await mime;
  assert.ok(raw.length > SEND_MIME_MAX_BYTES);
  sentRequests.length = 0;
  const sent = await sendMime(client, 'me', raw, { timeoutMs: 60_000 });
  assert.equal(sent.via, 'draft');
  assert.equal(sent.via === 'draft' ? sent.uploaded : 0, 1);
  // Ranges in order, at most 4 MB each, to the pre-authenticated URL without the Authorization header (§5).
  const puts = sentRequests.filter((r) => r.method === 'PUT');
  assert.equal(puts.length, Math.ceil(file.length / UPLOAD_CHUNK_BYTES));
  let next = 0;
  for (const put of puts) {
    assert.equal(put.headers.authorization, undefined);
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(put.headers['content-range'] ?? '');
    assert.ok(range, put.headers['content-range']);
    assert.equal(Number(range[1]), next);
    assert.ok(Number(range[2]) - Number(range[1]) + 1 <= 4 * 1024 * 1024);
    assert.equal(Number(range[3]), file.length);
    next = Number(range[2]) + 1;
  }
  assert.equal(next, file.length);
  assert.ok(
    sentRequests
      .filter((r) => r.method !== 'PUT')
      .every((r) => r.headers.authorization?.startsWith('Bearer ')),
  );
  const copy = await sentCopy(client, 'me', id);
  assert.equal(copy.hasAttachments, true);
  const copied = await fetchMime(client, 'me', copy.id, { maxBytes: 32 * 1024 * 1024, timeoutMs: 60_000 });
  assert.deepEqual(threading(copied), threading(raw));
  assert.ok(copied.includes(file.subarray(0, 57).toString('base64')), 'the file is in the sent message');
  const log = await control(emu, 'GET', `/graph/sent?mailbox=${encodeURIComponent(ADELE)}`);
  const entry = log.body.messages.find((m: { raw: string }) => m.raw.includes(id));
  assert.equal(entry?.via, 'draft-send');
});

test('a system mailbox sends through /users/{address}/sendMail with Send As; without it, graph.send_as_denied for an administrator', async () => {
  const { id, mime } = reply(SUPPORT);
  // Without the .Shared permissions Graph refuses another mailbox whatever the Exchange rights (§1).
  await assert.rejects(sendMime(client, SUPPORT, await mime), (e: unknown) => {
    assert.ok(e instanceof GraphError && e.code === 'graph.access_denied', String(e));
    assert.match(e.message, /Mail\.Send\.Shared/);
    return true;
  });
  const shared = await graphTokenSource(emu, ADELE, DEMO_PASSWORDS[ADELE]!, [
    ...GRAPH_MAIL_RESOURCE_SCOPES,
    'https://graph.microsoft.com/Mail.ReadWrite.Shared',
    'https://graph.microsoft.com/Mail.Send.Shared',
  ]);
  const delegate = factory.client(shared.getToken);
  assert.deepEqual(await sendMime(delegate, SUPPORT, await mime), { via: 'sendMail' });
  const copy = await sentCopy(delegate, SUPPORT, id);
  assert.equal(copy.from?.address, SUPPORT);

  const denied = await sendMime(megan, SUPPORT, await reply(SUPPORT).mime).then(
    () => assert.fail('Megan has no Send As on support@'),
    (e: unknown) => e,
  );
  assert.ok(denied instanceof GraphError);
  assert.equal(denied.code, 'graph.send_as_denied', denied.message);
  assert.equal(denied.status, 403);
  assert.equal(denied.whoMustAct, 'administrator');
  assert.match(denied.message, new RegExp(SUPPORT.replace('.', '\\.')));
});

test('findSentCopy answers null for a Message-ID that was never sent', async () => {
  assert.equal(await findSentCopy(client, 'me', 'never-sent@contoso.example'), null);
});

test('a message over 3 MB that is not multipart/mixed cannot be split: graph.message_too_large for the user, nothing sent', async () => {
  const before = (await control(emu, 'GET', `/graph/sent?mailbox=${encodeURIComponent(ADELE)}`)).body.messages
    .length;
  const big = Buffer.concat([
    Buffer.from(
      `From: ${ADELE}\r\nTo: ${MEGAN}\r\nSubject: huge\r\nMessage-ID: <huge@contoso.example>\r\nContent-Type: text/plain\r\n\r\n`,
    ),
    Buffer.alloc(SEND_MIME_MAX_BYTES, 'a'),
  ]);
  const error = await sendMime(client, 'me', big).then(
    () => assert.fail('sent'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GraphError);
  assert.equal(error.code, 'graph.message_too_large');
  assert.equal(error.whoMustAct, 'user');
  const after = (await control(emu, 'GET', `/graph/sent?mailbox=${encodeURIComponent(ADELE)}`)).body.messages
    .length;
  assert.equal(after, before);
});

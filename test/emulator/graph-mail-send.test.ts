import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { control } from '../support/control.ts';
import { graph } from '../support/graph-request.ts';
import { graphToken } from '../support/graph-token.ts';
import { inEmulatorFolder, outlookToken } from '../support/mail-token.ts';

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

/** Every message of a folder over IMAP whose Subject is `subject`, with its raw bytes and flags. */
const overImap = (address: string, folder: string, subject: string, tokenOf = address) =>
  inEmulatorFolder(
    emu,
    address,
    folder,
    async (client: ImapFlow) => {
      if (!client.mailbox || client.mailbox.exists === 0) return [];
      const all = await client.fetchAll('1:*', { source: true, envelope: true, flags: true });
      return all
        .filter((m) => m.envelope?.subject === subject)
        .map((m) => ({ raw: m.source!.toString('utf8'), flags: [...(m.flags ?? [])] }));
    },
    tokenOf,
  );

test('sendMail as MIME keeps Message-ID, In-Reply-To and References; one copy in Sent Items, one in the Inbox', async () => {
  const token = await graphToken(emu, ADELE);
  const subject = `Re: threaded ${randomBytes(4).toString('hex')}`;
  const mime = [
    `From: Adele Vance <${ADELE}>`,
    `To: Megan Bowen <${MEGAN}>`,
    `Subject: ${subject}`,
    'Message-ID: <reply-1@mailroom.test>',
    'In-Reply-To: <original@example.net>',
    'References: <root@example.net> <original@example.net>',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Thanks, see below.',
    '',
  ].join('\r\n');
  const sent = await graph(emu, token, '/v1.0/me/sendMail', {
    method: 'POST',
    body: Buffer.from(mime).toString('base64'),
    headers: { 'content-type': 'text/plain' },
  });
  assert.equal(sent.status, 202);
  assert.equal(sent.bytes.length, 0);

  const inSent = await overImap(ADELE, 'Sent Items', subject);
  assert.equal(inSent.length, 1, 'exactly one copy in Sent Items');
  assert.ok(inSent[0]!.flags.includes('\\Seen'));
  const delivered = await overImap(MEGAN, 'INBOX', subject);
  assert.equal(delivered.length, 1);
  for (const raw of [inSent[0]!.raw, delivered[0]!.raw]) {
    assert.match(raw, /^Message-ID: <reply-1@mailroom\.test>\r$/m);
    assert.match(raw, /^In-Reply-To: <original@example\.net>\r$/m);
    assert.match(raw, /^References: <root@example\.net> <original@example\.net>\r$/m);
  }
  const log = await control(emu, 'GET', `/graph/sent?mailbox=${ADELE}`);
  const entry = log.body.messages.find((m: { raw: string }) => m.raw.includes(subject));
  assert.equal(entry.via, 'sendMail-mime');
  assert.deepEqual(entry.recipients, [MEGAN]);

  const bad = await graph(emu, token, '/v1.0/me/sendMail', {
    method: 'POST',
    body: 'not base64 at all!',
    headers: { 'content-type': 'text/plain' },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'ErrorMimeContentInvalidBase64String');
});

test('sendMail as JSON: delivered, outside recipients kept, saveToSentItems false files no copy', async () => {
  const token = await graphToken(emu, MEGAN);
  const subject = `JSON ${randomBytes(4).toString('hex')}`;
  const message = {
    subject,
    body: { contentType: 'Text', content: 'Hello from Graph' },
    toRecipients: [{ emailAddress: { address: ADELE } }],
    ccRecipients: [{ emailAddress: { address: 'partner@example.net', name: 'Partner' } }],
    internetMessageHeaders: [{ name: 'x-custom-id', value: 'NV001' }],
    attachments: [
      {
        '@odata.type': '#microsoft.graph.fileAttachment',
        name: 'a.txt',
        contentType: 'text/plain',
        contentBytes: Buffer.from('Hello').toString('base64'),
      },
    ],
  };
  const sent = await graph(emu, token, '/v1.0/me/sendMail', { method: 'POST', body: { message } });
  assert.equal(sent.status, 202);
  const delivered = await overImap(ADELE, 'INBOX', subject);
  assert.equal(delivered.length, 1);
  assert.match(delivered[0]!.raw, /^x-custom-id: NV001\r$/im);
  assert.equal((await overImap(MEGAN, 'Sent Items', subject)).length, 1);
  const outbound = await control(emu, 'GET', '/mail/outbound');
  assert.ok(
    outbound.body.messages.some(
      (m: { to: string; raw: string }) => m.to === 'partner@example.net' && m.raw.includes(subject),
    ),
  );

  const quiet = `Quiet ${randomBytes(4).toString('hex')}`;
  const unsaved = await graph(emu, token, '/v1.0/me/sendMail', {
    method: 'POST',
    body: { message: { ...message, subject: quiet, attachments: [] }, saveToSentItems: false },
  });
  assert.equal(unsaved.status, 202);
  assert.equal((await overImap(ADELE, 'INBOX', quiet)).length, 1);
  assert.equal((await overImap(MEGAN, 'Sent Items', quiet)).length, 0);

  const noone = await graph(emu, token, '/v1.0/me/sendMail', {
    method: 'POST',
    body: { message: { subject: 'nobody', toRecipients: [] } },
  });
  assert.equal(noone.status, 400);
  assert.equal(noone.json.error.code, 'ErrorInvalidRecipients');
  const headers = Array.from({ length: 6 }, (_, i) => ({ name: `x-h${i}`, value: 'v' }));
  const tooMany = await graph(emu, token, '/v1.0/me/sendMail', {
    method: 'POST',
    body: { message: { ...message, internetMessageHeaders: headers } },
  });
  assert.equal(tooMany.json.error.code, 'InvalidInternetMessageHeaderCollection');
});

test('a 10 MB attachment through a draft, an upload session in 4 MB ranges, and send', async () => {
  const token = await graphToken(emu, ADELE);
  const subject = `Large ${randomBytes(4).toString('hex')}`;
  const draft = await graph(emu, token, '/v1.0/me/messages', {
    method: 'POST',
    body: {
      subject,
      body: { contentType: 'Text', content: 'The file is attached.' },
      toRecipients: [{ emailAddress: { address: MEGAN } }],
    },
    headers: { prefer: 'IdType="ImmutableId"' },
  });
  assert.equal(draft.status, 201);
  assert.equal(draft.json.isDraft, true);
  assert.equal((await overImap(ADELE, 'Drafts', subject)).length, 1);

  const tooSmall = await graph(
    emu,
    token,
    `/v1.0/me/messages/${draft.json.id}/attachments/createUploadSession`,
    {
      method: 'POST',
      body: { AttachmentItem: { attachmentType: 'file', name: 'small.bin', size: 1000 } },
    },
  );
  assert.equal(tooSmall.json.error.code, 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize');

  const file = randomBytes(10 * 1024 * 1024);
  const session = await graph(
    emu,
    token,
    `/v1.0/me/messages/${draft.json.id}/attachments/createUploadSession`,
    {
      method: 'POST',
      body: { AttachmentItem: { attachmentType: 'file', name: 'big.bin', size: file.length } },
      headers: { prefer: 'IdType="ImmutableId"' },
    },
  );
  assert.equal(session.status, 201);
  assert.deepEqual(session.json.nextExpectedRanges, ['0-']);
  const chunk = 4 * 1024 * 1024;
  let last = session;
  for (let start = 0; start < file.length; start += chunk) {
    const end = Math.min(start + chunk, file.length) - 1;
    last = await graph(emu, null, session.json.uploadUrl, {
      method: 'PUT',
      body: file.subarray(start, end + 1),
      headers: {
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${start}-${end}/${file.length}`,
      },
    });
    if (end + 1 < file.length) {
      assert.equal(last.status, 200);
      assert.deepEqual(last.json.nextExpectedRanges, [`${end + 1}-`]);
    }
  }
  assert.equal(last.status, 201);
  assert.match(last.headers.get('location') ?? '', /Attachments\('/);

  const withFile = await graph(
    emu,
    token,
    `/v1.0/me/messages/${draft.json.id}?$select=hasAttachments,isDraft`,
    {
      headers: { prefer: 'IdType="ImmutableId"' },
    },
  );
  assert.equal(withFile.json.hasAttachments, true, 'the draft keeps its id after the upload');
  const send = await graph(emu, token, `/v1.0/me/messages/${draft.json.id}/send`, {
    method: 'POST',
    headers: { prefer: 'IdType="ImmutableId"' },
  });
  assert.equal(send.status, 202);
  assert.equal((await overImap(ADELE, 'Drafts', subject)).length, 0);
  assert.equal((await overImap(ADELE, 'Sent Items', subject)).length, 1);
  const delivered = await overImap(MEGAN, 'INBOX', subject);
  assert.equal(delivered.length, 1);
  const parsed = await simpleParser(Buffer.from(delivered[0]!.raw));
  assert.equal(parsed.attachments.length, 1);
  assert.equal(parsed.attachments[0]!.filename, 'big.bin');
  assert.ok(parsed.attachments[0]!.content.equals(file), 'the 10 MB file arrived byte for byte');
  const sentCopy = await graph(
    emu,
    token,
    `/v1.0/me/messages/${draft.json.id}?$select=isDraft,parentFolderId`,
    {
      headers: { prefer: 'IdType="ImmutableId"' },
    },
  );
  assert.equal(sentCopy.status, 200, 'the draft’s immutable id finds the sent copy');
  const sentItems = await graph(emu, token, '/v1.0/me/mailFolders/sentitems');
  assert.equal(sentCopy.json.parentFolderId, sentItems.json.id);
});

test('mail seeded, or sent over SMTP, is visible through Graph (Inbox and the sender’s Sent Items)', async () => {
  const token = await graphToken(emu, MEGAN);
  const subject = `Seeded ${randomBytes(4).toString('hex')}`;
  await control(emu, 'POST', '/mail/seed', {
    address: MEGAN,
    folder: 'INBOX',
    messages: [
      `From: x@example.net\r\nTo: ${MEGAN}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(' ', '.')}@example.net>\r\n\r\nbody\r\n`,
    ],
  });
  const overSmtp = `Over SMTP ${randomBytes(4).toString('hex')}`;
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: emu.mail!.smtp.port,
    secure: false,
    requireTLS: true,
    tls: { ca: emu.tls.caPem, servername: 'smtp.office365.com' },
    auth: { type: 'OAuth2', user: ADELE, accessToken: await outlookToken(emu, ADELE) },
  });
  try {
    await transport.sendMail({ from: ADELE, to: MEGAN, subject: overSmtp, text: 'over SMTP' });
  } finally {
    transport.close();
  }
  const list = await graph(emu, token, '/v1.0/me/mailFolders/inbox/messages?$top=1000&$select=subject');
  const subjects = list.json.value.map((m: { subject: string }) => m.subject);
  assert.ok(subjects.includes(subject));
  assert.ok(subjects.includes(overSmtp));
  const adele = await graphToken(emu, ADELE);
  const sent = await graph(emu, adele, '/v1.0/me/mailFolders/sentitems/messages?$top=1000&$select=subject');
  assert.equal(sent.json.value.filter((m: { subject: string }) => m.subject === overSmtp).length, 1);
});

test('shared mailbox: /users/{upn}/sendMail with Send As and FullAccess; Send As denied without it', async () => {
  const adele = await graphToken(emu, ADELE, { scopes: ['Mail.ReadWrite.Shared', 'Mail.Send.Shared'] });
  const subject = `From support ${randomBytes(4).toString('hex')}`;
  const message = { subject, toRecipients: [{ emailAddress: { address: MEGAN } }] };
  const sent = await graph(emu, adele, `/v1.0/users/${SUPPORT}/sendMail`, {
    method: 'POST',
    body: { message },
  });
  assert.equal(sent.status, 202);
  assert.equal((await overImap(SUPPORT, 'Sent Items', subject, ADELE)).length, 1);
  const delivered = await overImap(MEGAN, 'INBOX', subject);
  assert.match(delivered[0]!.raw, new RegExp(`^From: ${SUPPORT}\\r$`, 'm'));

  const megan = await graphToken(emu, MEGAN, { scopes: ['Mail.Send', 'Mail.Send.Shared'] });
  const denied = await graph(emu, megan, `/v1.0/users/${SUPPORT}/sendMail`, {
    method: 'POST',
    body: { message },
  });
  assert.equal(denied.status, 403);
  assert.equal(denied.json.error.code, 'ErrorSendAsDenied');
  const fromOther = await graph(emu, megan, '/v1.0/me/sendMail', {
    method: 'POST',
    body: { message: { ...message, from: { emailAddress: { address: SUPPORT } } } },
  });
  assert.equal(fromOther.status, 403);
  assert.equal(fromOther.json.error.code, 'ErrorSendAsDenied');
});

test('Graph still sends with SMTP AUTH off for the tenant, and still reads with IMAP off for the mailbox', async () => {
  const token = await graphToken(emu, MEGAN);
  await control(emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: false });
  await control(emu, 'PATCH', `/mailboxes/${MEGAN}`, { imapEnabled: false });
  const subject = `Around SMTP ${randomBytes(4).toString('hex')}`;
  try {
    const sent = await graph(emu, token, '/v1.0/me/sendMail', {
      method: 'POST',
      body: { message: { subject, toRecipients: [{ emailAddress: { address: ADELE } }] } },
    });
    assert.equal(sent.status, 202);
    const list = await graph(emu, token, '/v1.0/me/mailFolders/sentitems/messages?$select=subject&$top=100');
    assert.equal(list.status, 200);
    assert.equal(list.json.value.filter((m: { subject: string }) => m.subject === subject).length, 1);
  } finally {
    await control(emu, 'PATCH', `/tenants/${DEMO.tenantId}`, { smtpAuthEnabled: true });
    await control(emu, 'PATCH', `/mailboxes/${MEGAN}`, { imapEnabled: true });
  }
  assert.equal((await overImap(ADELE, 'INBOX', subject)).length, 1);
});

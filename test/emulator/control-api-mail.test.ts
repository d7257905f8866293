// The control API's mail calls, on an emulator with mail: seeding a folder, a new UIDVALIDITY, cutting live
// sessions, the outside mail kept for inspection, the Sent Items setting. (Without mail they answer 409 mail_not_running, in
// control-api-errors.test.ts.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { assertControlError, type ControlCall, control } from '../support/control.ts';
import { outlookToken } from '../support/mail-token.ts';

const ADELE = `adele@${DEMO.domain}`;
const MEGAN = `megan@${DEMO.domain}`;

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu?.stop());

test('mail/seed: generated or given messages into a folder', async () => {
  const generated = await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'Archive', count: 3 });
  assert.equal(generated.status, 201);
  assert.deepEqual(Object.keys(generated.body), ['seeded', 'ms']);
  assert.equal(generated.body.seeded, 3);
  const given = await control(emu, 'POST', '/mail/seed', {
    address: MEGAN.toUpperCase(),
    messages: ['Subject: given\r\n\r\nbody\r\n'],
    flags: ['\\Seen'],
  });
  assert.equal(given.body.seeded, 1);
});

test('mail/reset-uidvalidity: the folder comes back with a new UIDVALIDITY, its messages kept', async () => {
  const uidValidity = async () => {
    const imap = new ImapFlow({
      host: '127.0.0.1',
      port: emu.mail!.imap.port,
      secure: false,
      auth: { user: MEGAN, accessToken: await outlookToken(emu, MEGAN) },
      logger: false,
    });
    await imap.connect();
    try {
      const { uidValidity, exists } = await imap.mailboxOpen('Archive');
      return { uidValidity, exists };
    } finally {
      await imap.logout();
    }
  };
  await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'Archive', count: 2 });
  const before = await uidValidity();
  const reset = await control(emu, 'POST', '/mail/reset-uidvalidity', { address: MEGAN, folder: 'Archive' });
  assert.deepEqual(reset, { status: 200, body: { reset: true } });
  const after = await uidValidity();
  assert.notEqual(after.uidValidity, before.uidValidity);
  assert.equal(after.exists, before.exists);
});

test('mail/cut-sessions: the mailbox\u2019s live IMAP sessions drop, as on a network failure', async () => {
  const imap = new ImapFlow({
    host: '127.0.0.1',
    port: emu.mail!.imap.port,
    secure: false,
    auth: { user: MEGAN, accessToken: await outlookToken(emu, MEGAN) },
    logger: false,
  });
  await imap.connect();
  const closed = new Promise<void>((resolve) => imap.once('close', () => resolve()));
  assert.deepEqual(await control(emu, 'POST', '/mail/cut-sessions', { address: MEGAN.toUpperCase() }), {
    status: 200,
    body: { cut: 1 },
  });
  await closed;
  assert.equal(imap.usable, false);
  assert.deepEqual((await control(emu, 'POST', '/mail/cut-sessions', { address: MEGAN })).body, { cut: 0 });
});

test('mail/outbound: outside mail with its raw text', async () => {
  assert.deepEqual(await control(emu, 'GET', '/mail/outbound'), { status: 200, body: { messages: [] } });
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: emu.mail!.smtp.port,
    requireTLS: true,
    tls: { ca: emu.tls.caPem, servername: 'smtp.office365.com' },
    auth: { type: 'OAuth2', user: ADELE, accessToken: await outlookToken(emu, ADELE) },
  });
  try {
    await transport.sendMail({ from: ADELE, to: 'partner@example.net', subject: 'Outbound', text: 'x' });
  } finally {
    transport.close();
  }
  const [message, ...rest] = (await control(emu, 'GET', '/mail/outbound')).body.messages;
  assert.equal(rest.length, 0);
  assert.deepEqual(Object.keys(message), ['from', 'to', 'acceptedAt', 'raw']);
  assert.deepEqual([message.from, message.to], [ADELE, 'partner@example.net']);
  assert.match(message.raw, /^Subject: Outbound\r$/m);
});

test('mail/settings: the Sent Items copy off and on', async () => {
  const off = await control(emu, 'PUT', '/mail/settings', { saveToSentItems: false });
  assert.deepEqual(off, { status: 200, body: { saveToSentItems: false } });
  assert.equal(emu.ctx.dir.knobs.saveToSentItems, false);
  await control(emu, 'PUT', '/mail/settings', { saveToSentItems: true });
  assert.equal(emu.ctx.dir.knobs.saveToSentItems, true);
});

const failing: [ControlCall, 400 | 404, string][] = [
  [['POST', '/mail/seed', { address: 'megan' }], 400, 'invalid_request'],
  [['POST', '/mail/seed', { address: MEGAN, count: -1 }], 400, 'invalid_request'],
  [['POST', '/mail/seed', { address: MEGAN, flags: ['\\Recent'] }], 400, 'invalid_request'],
  [['POST', '/mail/seed', { address: MEGAN, messages: [''] }], 400, 'invalid_request'],
  [['POST', '/mail/seed', { address: MEGAN, folder: 'Old.Items', count: 1 }], 400, 'invalid_request'],
  [['PUT', '/mail/settings', {}], 400, 'invalid_request'],
  [['POST', '/mail/reset-uidvalidity', { address: 'megan' }], 400, 'invalid_request'],
  [['POST', '/mail/cut-sessions', {}], 400, 'invalid_request'],
  [['POST', '/mail/reset-uidvalidity', { address: `nobody@${DEMO.domain}` }], 404, 'not_found'],
  [['POST', '/mail/reset-uidvalidity', { address: MEGAN, folder: 'Never Used' }], 404, 'not_found'],
  [['POST', '/mail/seed', { address: `nobody@${DEMO.domain}`, count: 1 }], 404, 'not_found'],
];
for (const [call, status, code] of failing)
  test(`${status} ${code}: ${call[0]} ${call[1]} ${JSON.stringify(call[2])}`, () =>
    assertControlError(emu, call, status, code));

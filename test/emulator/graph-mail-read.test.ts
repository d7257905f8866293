import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { control } from '../support/control.ts';
import { deltaRound, graph } from '../support/graph-request.ts';
import { graphToken } from '../support/graph-token.ts';
import { inEmulatorFolder } from '../support/mail-token.ts';

let emu: RunningEmulator;
let serial = 0;

before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu?.stop();
});

/** A fresh user with a mailbox whose Inbox holds `count` generated messages, and a Graph mail token. */
const newMailbox = async (count: number) => {
  serial += 1;
  const upn = `graph-read-${serial}@${DEMO.domain}`;
  const created = await control(emu, 'POST', '/users', {
    tenantId: DEMO.tenantId,
    upn,
    password: 'Graph-read-1',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  if (count > 0) await control(emu, 'POST', '/mail/seed', { address: upn, folder: 'INBOX', count });
  return { upn, token: await graphToken(emu, upn) };
};

const IMMUTABLE = { prefer: 'IdType="ImmutableId"' };

test('mailFolders: the root’s children with Graph’s shape; well-known names; childFolders', async () => {
  const { upn, token } = await newMailbox(3);
  await control(emu, 'POST', '/mail/seed', { address: upn, folder: 'Projects/2026', count: 1 });
  const list = await graph(emu, token, '/v1.0/me/mailFolders?$top=50');
  assert.equal(list.status, 200);
  const names = list.json.value.map((f: { displayName: string }) => f.displayName).sort();
  assert.deepEqual(names, [
    'Archive',
    'Deleted Items',
    'Drafts',
    'Inbox',
    'Junk Email',
    'Projects',
    'Sent Items',
  ]);
  const inbox = list.json.value.find((f: { displayName: string }) => f.displayName === 'Inbox');
  assert.deepEqual(Object.keys(inbox), [
    'id',
    'displayName',
    'parentFolderId',
    'childFolderCount',
    'unreadItemCount',
    'totalItemCount',
    'isHidden',
  ]);
  assert.equal(inbox.totalItemCount, 3);
  assert.equal(inbox.unreadItemCount, 3);

  const paged = await graph(emu, token, '/v1.0/me/mailFolders?$top=5');
  assert.equal(paged.json.value.length, 5);
  const rest = await graph(emu, token, paged.json['@odata.nextLink']);
  assert.equal(rest.json.value.length, 2);
  assert.equal(rest.json['@odata.nextLink'], undefined);

  for (const [alias, name] of [
    ['inbox', 'Inbox'],
    ['sentitems', 'Sent Items'],
    ['drafts', 'Drafts'],
    ['deleteditems', 'Deleted Items'],
    ['junkemail', 'Junk Email'],
    ['archive', 'Archive'],
  ] as const) {
    const folder = await graph(emu, token, `/v1.0/me/mailFolders/${alias}`);
    assert.equal(folder.status, 200, alias);
    assert.equal(folder.json.displayName, name);
  }
  const byId = await graph(emu, token, `/v1.0/me/mailFolders/${inbox.id}`);
  assert.equal(byId.json.id, inbox.id);

  const projects = list.json.value.find((f: { displayName: string }) => f.displayName === 'Projects');
  assert.equal(projects.childFolderCount, 1);
  const children = await graph(emu, token, `/v1.0/me/mailFolders/${projects.id}/childFolders`);
  assert.deepEqual(
    children.json.value.map((f: { displayName: string; totalItemCount: number }) => [
      f.displayName,
      f.totalItemCount,
    ]),
    [['2026', 1]],
  );
  const missing = await graph(emu, token, '/v1.0/me/mailFolders/AAMkAGFmbnothing');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'ErrorItemNotFound');
});

test('messages: $top/$select/$skip pages with an opaque nextLink, then get and $value = the IMAP bytes', async () => {
  const { upn, token } = await newMailbox(25);
  const seen = new Set<string>();
  let link: string | undefined =
    '/v1.0/me/mailFolders/inbox/messages?$top=10&$select=subject,isRead,internetMessageId';
  let pages = 0;
  while (link) {
    const page = await graph(emu, token, link);
    assert.equal(page.status, 200);
    pages += 1;
    for (const m of page.json.value) {
      assert.deepEqual(Object.keys(m), ['@odata.etag', 'id', 'subject', 'isRead', 'internetMessageId']);
      seen.add(m.id);
    }
    link = page.json['@odata.nextLink'];
  }
  assert.equal(pages, 3);
  assert.equal(seen.size, 25);

  const first = await graph(emu, token, '/v1.0/me/mailFolders/inbox/messages?$top=1');
  const message = first.json.value[0];
  assert.equal(message.isRead, false);
  assert.equal(message.from.emailAddress.address, 'seeder@example.net');
  assert.deepEqual(message.toRecipients, [{ emailAddress: { name: upn, address: upn } }]);
  assert.match(message.receivedDateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(message.internetMessageHeaders, undefined, 'only with $select');

  const got = await graph(emu, token, `/v1.0/me/messages/${message.id}`);
  assert.equal(got.status, 200);
  assert.equal(got.json.id, message.id);
  const headers = await graph(emu, token, `/v1.0/me/messages/${message.id}?$select=internetMessageHeaders`);
  assert.ok(headers.json.internetMessageHeaders.some((h: { name: string }) => h.name === 'Message-ID'));

  const mime = await graph(emu, token, `/v1.0/me/messages/${message.id}/$value`);
  assert.equal(mime.status, 200);
  assert.match(mime.headers.get('content-type') ?? '', /^text\/plain/);
  const imapBytes = await inEmulatorFolder(emu, upn, 'INBOX', async (client) => {
    const all = await client.fetchAll('1:*', { source: true, envelope: true });
    return all.find((m) => m.envelope?.messageId === message.internetMessageId)?.source;
  });
  assert.ok(imapBytes);
  assert.ok(mime.bytes.equals(imapBytes), '$value is byte for byte what IMAP serves');
});

test('PATCH isRead and flag are IMAP flags; IMAP \\Seen shows as isRead', async () => {
  const { upn, token } = await newMailbox(2);
  const list = await graph(
    emu,
    token,
    '/v1.0/me/mailFolders/inbox/messages?$select=internetMessageId,isRead,flag',
  );
  const [a, b] = list.json.value;
  const patched = await graph(emu, token, `/v1.0/me/messages/${a.id}`, {
    method: 'PATCH',
    body: { isRead: true, flag: { flagStatus: 'flagged' } },
  });
  assert.equal(patched.status, 200);
  assert.equal(patched.json.isRead, true);
  assert.deepEqual(patched.json.flag, { flagStatus: 'flagged' });
  const flags = await inEmulatorFolder(emu, upn, 'INBOX', async (client) => {
    const all = await client.fetchAll('1:*', { flags: true, envelope: true });
    const byId = new Map(all.map((m) => [m.envelope?.messageId, [...(m.flags ?? [])]]));
    await client.messageFlagsAdd({ header: { 'message-id': b.internetMessageId } }, ['\\Seen']);
    return byId;
  });
  assert.ok(flags.get(a.internetMessageId)?.includes('\\Seen'));
  assert.ok(flags.get(a.internetMessageId)?.includes('\\Flagged'));
  assert.ok(!flags.get(b.internetMessageId)?.includes('\\Seen'));
  const after = await graph(emu, token, `/v1.0/me/messages/${b.id}?$select=isRead`);
  assert.equal(after.json.isRead, true);
});

test('delta: initial round in pages, then adds, flag changes, moves and deletions; stale token is 410', async () => {
  const { upn, token } = await newMailbox(7);
  const first = await deltaRound(
    emu,
    token,
    '/v1.0/me/mailFolders/inbox/messages/delta?$select=subject,isRead',
    {
      prefer: 'odata.maxpagesize=3, IdType="ImmutableId"',
    },
  );
  assert.equal(first.items.length, 7);
  assert.equal(first.pages, 3);
  assert.match(first.deltaLink, /\$deltatoken=/);
  for (const item of first.items) assert.equal(item['@odata.type'], '#microsoft.graph.message');
  const empty = await deltaRound(emu, token, first.deltaLink, IMMUTABLE);
  assert.deepEqual(empty.items, []);

  const bySubject = new Map(first.items.map((m) => [m.subject, m.id]));
  const moved = bySubject.get('Seeded message 1')!;
  const readOverImap = bySubject.get('Seeded message 2')!;
  const deletedOverImap = bySubject.get('Seeded message 3')!;
  // A move through Graph, a flag and a deletion over IMAP, a delivery through the control API.
  const move = await graph(emu, token, `/v1.0/me/messages/${moved}/move`, {
    method: 'POST',
    body: { destinationId: 'archive' },
    headers: IMMUTABLE,
  });
  assert.equal(move.status, 201);
  assert.equal(move.json.id, moved, 'an immutable id survives the move');
  await inEmulatorFolder(emu, upn, 'INBOX', async (client) => {
    await client.messageFlagsAdd({ header: { subject: 'Seeded message 2' } }, ['\\Seen']);
    await client.messageDelete({ header: { subject: 'Seeded message 3' } });
  });
  await control(emu, 'POST', '/mail/seed', {
    address: upn,
    folder: 'INBOX',
    messages: [
      `Subject: New arrival\r\nMessage-ID: <arrival@example.net>\r\nFrom: a@example.net\r\n\r\nhi\r\n`,
    ],
  });

  const second = await deltaRound(emu, token, empty.deltaLink, IMMUTABLE);
  const removed = second.items
    .filter((i) => i['@removed'])
    .map((i) => i.id)
    .sort();
  assert.deepEqual(removed, [moved, deletedOverImap].sort());
  for (const r of second.items.filter((i) => i['@removed']))
    assert.deepEqual(r['@removed'], { reason: 'deleted' });
  const present = second.items.filter((i) => !i['@removed']);
  assert.deepEqual(present.map((i) => i.subject).sort(), ['New arrival', 'Seeded message 2']);
  assert.equal(present.find((i) => i.id === readOverImap)?.isRead, true);

  const archive = await deltaRound(emu, token, '/v1.0/me/mailFolders/archive/messages/delta', IMMUTABLE);
  assert.deepEqual(
    archive.items.map((i) => i.id),
    [moved],
    'the moved message is present in its new folder',
  );
  const byRestId = await graph(emu, token, `/v1.0/me/messages/${moved}`);
  assert.equal(byRestId.json.parentFolderId, move.json.parentFolderId);

  const stale = await graph(emu, token, first.deltaLink.replace(/deltatoken=[^&]+/, 'deltatoken=unknown'));
  assert.equal(stale.status, 410);
  assert.equal(stale.json.error.code, 'SyncStateNotFound');

  const invalidated = await control(emu, 'POST', '/graph/delta/invalidate', { address: upn });
  assert.equal(invalidated.status, 200);
  assert.ok(invalidated.body.invalidated >= 1);
  const gone = await graph(emu, token, second.deltaLink);
  assert.equal(gone.status, 410);
  assert.equal(gone.json.error.code, 'SyncStateNotFound');
  assert.deepEqual(Object.keys(gone.json.error.innerError).sort(), [
    'client-request-id',
    'date',
    'request-id',
  ]);
});

test('REST ids change on a move, immutable ids do not', async () => {
  const { token } = await newMailbox(1);
  const rest = (await graph(emu, token, '/v1.0/me/mailFolders/inbox/messages')).json.value[0].id;
  const immutable = (await graph(emu, token, '/v1.0/me/mailFolders/inbox/messages', { headers: IMMUTABLE }))
    .json.value[0].id;
  assert.notEqual(rest, immutable);
  const moved = await graph(emu, token, `/v1.0/me/messages/${rest}/move`, {
    method: 'POST',
    body: { destinationId: 'deleteditems' },
  });
  assert.equal(moved.status, 201);
  assert.notEqual(moved.json.id, rest);
  assert.equal((await graph(emu, token, `/v1.0/me/messages/${rest}`)).json.error.code, 'ErrorItemNotFound');
  const stillThere = await graph(emu, token, `/v1.0/me/messages/${immutable}`, { headers: IMMUTABLE });
  assert.equal(stillThere.status, 200);
  assert.equal(stillThere.json.id, immutable);
  assert.equal(stillThere.json.parentFolderId, moved.json.parentFolderId);
});

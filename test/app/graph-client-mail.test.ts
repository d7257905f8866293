// The Graph mail operations against the emulator's Graph over its Dovecot mailboxes (the same mail IMAP
// serves): folders with special use, delta paging with @removed and 410 resync, $value bytes, PATCH seen over
// IMAP, throttling with Retry-After, the in-flight cap, and refusals mapped to who must act.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { createMailboxConcurrency, type MailboxConcurrency } from '../../src/transports/graph/concurrency.ts';
import { type DeltaPage, deltaPage, syncFolderDelta } from '../../src/transports/graph/delta.ts';
import { fetchMime } from '../../src/transports/graph/fetch-mime.ts';
import {
  createGraphClientFactory,
  type GetToken,
  type GraphClient,
  type GraphClientFactory,
} from '../../src/transports/graph/graph-client.ts';
import { GraphError } from '../../src/transports/graph/graph-error.ts';
import { createGraphFetch } from '../../src/transports/graph/graph-fetch.ts';
import { listFolders } from '../../src/transports/graph/list-folders.ts';
import type { ListedMessage } from '../../src/transports/graph/listed-message.ts';
import { setFlags } from '../../src/transports/graph/set-flags.ts';
import { control } from '../support/control.ts';
import { graphToken } from '../support/graph-token.ts';
import { type GraphTokenSource, graphTokenSource } from '../support/graph-token-source.ts';
import { inEmulatorFolder } from '../support/mail-token.ts';
import { DEMO_PASSWORDS } from '../support/ms-signin.ts';

const ADELE = `adele@${DEMO.domain}`;
const MEGAN = `megan@${DEMO.domain}`;
let emu: RunningEmulator;
let adele: GraphTokenSource;
let factory: GraphClientFactory;
let client: GraphClient;
const raws: Record<string, string[]> = {};
let delta1: { cursor: string; seen: ListedMessage[] } | null = null;

const factoryFor = (
  options: { maxRetryWaitMs?: number; maxRetries?: number; concurrency?: MailboxConcurrency } = {},
) =>
  createGraphClientFactory({
    baseUrl: `${emu.httpsUrl}/v1.0`,
    fetch: createGraphFetch({ extraCaPem: emu.tls.caPem, connectTimeoutMs: 5_000 }),
    timeoutMs: 20_000,
    ...options,
  });

before(async () => {
  emu = await startEmulator();
  adele = await graphTokenSource(emu, ADELE, DEMO_PASSWORDS[ADELE]!);
  // Folders are made before Graph first opens the mailbox: the emulator's Dovecot session does not see a
  // Maildir folder created behind its back later.
  raws.Mime = await seed('Mime', 1);
  for (const [folder, count] of [
    ['Projects', 1],
    ['Projects/Alpha', 1],
    ['Delta', 25],
    ['Flags', 1],
    ['MoveFrom', 3],
    ['MoveTo', 1],
  ] as const)
    await seed(folder, count);
  factory = factoryFor();
  client = factory.client(adele.getToken);
});
after(() => emu?.stop());

const message = (n: number, folder: string) =>
  [
    `From: Megan Bowen <${MEGAN}>`,
    `To: ${ADELE}`,
    `Subject: ${folder} ${n}`,
    `Date: ${new Date(Date.UTC(2026, 10, 1, 9, n)).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${folder.toLowerCase()}-${n}@contoso.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of ${n}.`,
    '',
  ].join('\r\n');

const seed = async (folder: string, count: number, flags: string[] = []) => {
  const messages = Array.from({ length: count }, (_, i) => message(i + 1, folder));
  const res = await control(emu, 'POST', '/mail/seed', { address: ADELE, folder, messages, flags });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return messages;
};

const folderId = async (path: string): Promise<string> => {
  const found = (await listFolders(client, 'me')).find((f) => f.path === path);
  assert.ok(found, `no folder ${path}`);
  return found.id;
};

const rejectsWith = async (promise: Promise<unknown>, code: string): Promise<GraphError> => {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GraphError, `not a GraphError: ${String(error)}`);
  assert.equal(error.code, code, `${error.graphCode}: ${error.message}`);
  return error;
};

test('listFolders: every level, each well-known folder marked with its special use', async () => {
  const folders = await listFolders(client, 'me');
  const use = (u: string) => folders.filter((f) => f.specialUse === u).map((f) => f.name);
  assert.deepEqual(use('\\Inbox'), ['Inbox']);
  assert.equal(use('\\Sent').length, 1);
  assert.equal(use('\\Drafts').length, 1);
  assert.equal(use('\\Trash').length, 1);
  assert.equal(use('\\Junk').length, 1);
  const alpha = folders.find((f) => f.path === 'Projects/Alpha');
  assert.ok(alpha, JSON.stringify(folders.map((f) => f.path)));
  assert.equal(alpha.parentId, folders.find((f) => f.path === 'Projects')?.id);
  assert.equal(alpha.specialUse, null);
  assert.equal(alpha.totalItemCount, 1);
});

test('delta: pages followed to the deltaLink, each listing with the fields a listing needs', async () => {
  const id = await folderId('Delta');
  const seen: ListedMessage[] = [];
  const first = await syncFolderDelta(
    client,
    'me',
    id,
    null,
    async (page) => {
      seen.push(...page.changed);
      assert.deepEqual(page.removed, []);
    },
    { pageSize: 10 },
  );
  assert.equal(first.kind, 'synced');
  if (first.kind !== 'synced') return;
  assert.equal(first.pages, 3);
  assert.equal(seen.length, 25);
  const one = seen.find((m) => m.internetMessageId === '<delta-1@contoso.example>');
  assert.ok(one, JSON.stringify(seen[0]));
  assert.equal(one.subject, 'Delta 1');
  assert.equal(one.from?.address, MEGAN);
  assert.deepEqual(
    one.to.map((a) => a.address),
    [ADELE],
  );
  assert.equal(one.receivedDateTime?.endsWith('Z'), true);
  assert.equal(one.isRead, false);
  assert.equal(one.flagStatus, 'notFlagged');
  assert.equal(one.hasAttachments, false);

  delta1 = { cursor: first.cursor, seen };
});

// After an IMAP client's flag change and expunge in a folder the emulator's Graph store still has open: the
// unsolicited FETCH (FLAGS) Dovecot pushes to that session has no UID and must not become a row.
test('delta: after deletions and a flag over IMAP, the next round has @removed for the same ids and the change', async () => {
  assert.ok(delta1, 'the first round ran');
  const { seen } = delta1;
  const id = await folderId('Delta');
  // Over IMAP: delete two, flag one.
  await inEmulatorFolder(emu, ADELE, 'Delta', async (imap) => {
    await imap.messageDelete({ header: { 'message-id': '<delta-2@contoso.example>' } });
    await imap.messageDelete({ header: { 'message-id': '<delta-3@contoso.example>' } });
    await imap.messageFlagsAdd({ header: { 'message-id': '<delta-4@contoso.example>' } }, ['\\Flagged']);
  });
  const changed: ListedMessage[] = [];
  const removed: string[] = [];
  const second = await syncFolderDelta(client, 'me', id, delta1.cursor, async (page) => {
    changed.push(...page.changed);
    removed.push(...page.removed);
  });
  assert.equal(second.kind, 'synced');
  const idOf = (n: number) => seen.find((m) => m.internetMessageId === `<delta-${n}@contoso.example>`)?.id;
  assert.deepEqual(new Set(removed), new Set([idOf(2), idOf(3)]));
  assert.deepEqual(
    changed.map((m) => [m.id, m.flagStatus]),
    [[idOf(4), 'flagged']],
  );
});

test('delta: a forgotten cursor is a typed resync, and a round from null lists the folder again', async () => {
  const id = await folderId('Delta');
  let cursor = '';
  await syncFolderDelta(client, 'me', id, null, async (page) => {
    cursor = page.next.cursor;
  });
  const res = await control(emu, 'POST', '/graph/delta/invalidate', { address: ADELE });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const page: DeltaPage = await deltaPage(client, 'me', id, cursor);
  assert.equal(page.kind, 'resync');
  if (page.kind === 'resync') {
    assert.equal(page.error.code, 'graph.sync_state_not_found');
    assert.equal(page.error.status, 410);
    assert.equal(page.error.whoMustAct, 'nobody');
  }
  const again = await syncFolderDelta(client, 'me', id, null, async () => {});
  assert.equal(again.kind === 'synced' ? again.changed : -1, 23);
});

test('delta: a move through Graph is @removed in the old folder and present, same immutable id, in the new one', async () => {
  const from = await folderId('MoveFrom');
  const to = await folderId('MoveTo');
  const listed = new Map<string, ListedMessage>();
  const roundOf = async (folder: string, cursor: string | null) => {
    const changed: ListedMessage[] = [];
    const removed: string[] = [];
    const round = await syncFolderDelta(client, 'me', folder, cursor, async (page) => {
      changed.push(...page.changed);
      removed.push(...page.removed);
    });
    assert.equal(round.kind, 'synced');
    return { cursor: round.kind === 'synced' ? round.cursor : '', changed, removed };
  };
  const fromFirst = await roundOf(from, null);
  const toFirst = await roundOf(to, null);
  for (const m of fromFirst.changed) listed.set(m.internetMessageId ?? '', m);
  const moving = listed.get('<movefrom-2@contoso.example>');
  assert.ok(moving);
  const moved = await client.request({
    method: 'POST',
    path: `/me/messages/${encodeURIComponent(moving.id)}/move`,
    json: { destinationId: to },
    read: 'json',
    context: { mailbox: 'me', permission: 'Mail.ReadWrite' },
  });
  assert.equal(moved.status, 201);
  const fromSecond = await roundOf(from, fromFirst.cursor);
  assert.deepEqual(fromSecond.removed, [moving.id]);
  const toSecond = await roundOf(to, toFirst.cursor);
  assert.deepEqual(
    toSecond.changed.map((m) => [m.id, m.internetMessageId]),
    [[moving.id, '<movefrom-2@contoso.example>']],
  );
});

test('fetchMime: the very bytes IMAP holds; a message over the bound is not read', async () => {
  const [raw] = raws.Mime!;
  const id = await folderId('Mime');
  const listed: ListedMessage[] = [];
  await syncFolderDelta(client, 'me', id, null, async (page) => {
    listed.push(...page.changed);
  });
  const bytes = await fetchMime(client, 'me', listed[0]!.id, { maxBytes: 1024 * 1024 });
  const imapBytes = await inEmulatorFolder(emu, ADELE, 'Mime', async (imap) => {
    const found = await imap.fetchOne('*', { source: true });
    return found ? found.source : null;
  });
  assert.ok(imapBytes);
  assert.equal(bytes.toString('utf8'), imapBytes.toString('utf8'));
  assert.ok(bytes.toString('utf8').includes('Message-ID: <mime-1@contoso.example>'), raw);
  await rejectsWith(fetchMime(client, 'me', listed[0]!.id, { maxBytes: 50 }), 'graph.too_large');
});

test('setFlags: PATCH isRead and flag.flagStatus, seen over IMAP', async () => {
  const id = await folderId('Flags');
  const listed: ListedMessage[] = [];
  await syncFolderDelta(client, 'me', id, null, async (page) => {
    listed.push(...page.changed);
  });
  await setFlags(client, 'me', listed[0]!.id, { seen: true, flagged: true });
  const flags = await inEmulatorFolder(
    emu,
    ADELE,
    'Flags',
    async (imap) => ((await imap.fetchOne('*', { flags: true })) || null)?.flags,
  );
  assert.ok(flags?.has('\\Seen') && flags.has('\\Flagged'), String([...(flags ?? [])]));
  await setFlags(client, 'me', listed[0]!.id, { seen: false, flagged: false });
  const cleared = await inEmulatorFolder(
    emu,
    ADELE,
    'Flags',
    async (imap) => ((await imap.fetchOne('*', { flags: true })) || null)?.flags,
  );
  assert.ok(!cleared?.has('\\Seen') && !cleared?.has('\\Flagged'), String([...(cleared ?? [])]));
  await rejectsWith(setFlags(client, 'me', 'AAMkAGnope', { seen: true }), 'graph.item_not_found');
});

test('ErrorAccessDenied: a token without Mail.Read is for an administrator, naming the permission; another mailbox needs .Shared', async () => {
  const sendOnly = await graphToken(emu, ADELE, { scopes: ['Mail.Send'] });
  const narrow = factory.client(async () => sendOnly);
  const denied = await rejectsWith(listFolders(narrow, 'me'), 'graph.access_denied');
  assert.equal(denied.status, 403);
  assert.equal(denied.graphCode, 'ErrorAccessDenied');
  assert.equal(denied.whoMustAct, 'administrator');
  assert.match(denied.message, /Mail\.Read\b/);
  const other = await rejectsWith(listFolders(client, MEGAN), 'graph.access_denied');
  assert.match(other.message, /Mail\.Read\.Shared/);
});

test('MailboxNotEnabledForRESTAPI is for an administrator, as 404 or as 401 (then no token refresh)', async () => {
  await control(emu, 'PUT', '/graph/rest', { address: ADELE, enabled: false });
  try {
    const error = await rejectsWith(listFolders(client, 'me'), 'graph.mailbox_not_enabled');
    assert.equal(error.status, 404);
    assert.equal(error.whoMustAct, 'administrator');
    await control(emu, 'PUT', '/graph/settings', { restDisabledStatus: 401 });
    const before = adele.forcedRefreshes();
    const as401 = await rejectsWith(listFolders(client, 'me'), 'graph.mailbox_not_enabled');
    assert.equal(as401.status, 401);
    assert.equal(adele.forcedRefreshes(), before);
  } finally {
    await control(emu, 'PUT', '/graph/settings', { restDisabledStatus: 404 });
    await control(emu, 'PUT', '/graph/rest', { address: ADELE, enabled: true });
  }
});

test('429 and 503 with Retry-After are waited out; a wait longer than allowed goes to the caller; an abort ends the wait', async () => {
  const throttle = (body: Record<string, unknown>) =>
    control(emu, 'PUT', '/graph/throttle', { address: ADELE, ...body });
  await throttle({ status: 429, retryAfterSeconds: 1, count: 2 });
  let started = Date.now();
  const answer = await client.request({
    method: 'GET',
    path: '/me/mailFolders/inbox',
    read: 'json',
    context: { mailbox: 'me', permission: 'Mail.Read' },
  });
  assert.equal(answer.status, 200);
  assert.ok(Date.now() - started >= 1900, `waited only ${Date.now() - started} ms`);

  await throttle({ status: 503, retryAfterSeconds: 0.5, count: 1 });
  started = Date.now();
  await listFolders(client, 'me');
  assert.ok(Date.now() - started >= 450);

  await throttle({ status: 429, code: 'ApplicationThrottled', retryAfterSeconds: 120, count: 1 });
  const impatient = factoryFor({ maxRetryWaitMs: 5_000 }).client(adele.getToken);
  const error = await rejectsWith(listFolders(impatient, 'me'), 'graph.throttled');
  assert.equal(error.graphCode, 'ApplicationThrottled');
  assert.equal(error.retryAfterMs, 120_000);
  assert.equal(error.retryable, true);
  assert.equal(error.whoMustAct, 'nobody');

  await throttle({ status: 429, retryAfterSeconds: 30, count: 1 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  started = Date.now();
  await rejectsWith(listFolders(client, 'me', { signal: controller.signal }), 'graph.aborted');
  assert.ok(Date.now() - started < 5_000);
  await control(emu, 'DELETE', '/graph/throttle', { address: ADELE });
});

test('a refused token is refreshed once; a 429 after it is waited out with the same fresh token', async () => {
  await control(emu, 'PUT', '/graph/throttle', {
    address: ADELE,
    status: 429,
    retryAfterSeconds: 0.2,
    count: 1,
  });
  const before = adele.forcedRefreshes();
  // Like a real token source: the stored token is stale until a forced refresh replaces it.
  let stored: string | null = null;
  const stale: GetToken = async (options) => {
    if (options?.forceRefresh) stored = await adele.getToken(options);
    return stored ?? 'stale';
  };
  const folders = await listFolders(factory.client(stale), 'me');
  assert.ok(folders.length >= 5);
  assert.equal(adele.forcedRefreshes(), before + 1);
});

test('at most 4 requests in flight for the app across mailboxes: the emulator (4 per app) never throttles it; 12 at once it does', async () => {
  const tokenOf =
    (upn: string): GetToken =>
    async () =>
      graphToken(emu, upn);
  await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', count: 3 });
  const burst = async (factory: GraphClientFactory) => {
    const adeleClient = factory.client(adele.getToken);
    const meganClient = factory.client(tokenOf(MEGAN));
    return Promise.allSettled(
      Array.from({ length: 24 }, (_, i) => listFolders(i % 2 ? meganClient : adeleClient, 'me')),
    );
  };
  // No retries: a single 429 would fail a call.
  const capped = factoryFor({ maxRetries: 0 });
  const results = await burst(capped);
  assert.deepEqual(
    results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : [])),
    [],
  );
  assert.equal(capped.concurrency.peak, 4);
  assert.equal(capped.concurrency.inFlight, 0);

  const uncapped = factoryFor({ maxRetries: 0, concurrency: createMailboxConcurrency(12) });
  const refused = (await burst(uncapped)).flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  assert.ok(refused.length > 0, 'more than 4 in flight was not throttled');
  for (const error of refused) {
    assert.ok(error instanceof GraphError);
    assert.equal(error.code, 'graph.throttled');
    assert.equal(error.graphCode, 'ApplicationThrottled');
  }
});

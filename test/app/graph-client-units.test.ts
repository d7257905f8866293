// Table tests of the Graph client's pure parts: error codes and who must act, Retry-After, the in-flight
// cap, URL resolution, and splitting a prepared MIME message for a draft.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer';
import { createMailboxConcurrency } from '../../src/transports/graph/concurrency.ts';
import { graphBaseUrl } from '../../src/transports/graph/graph-base-url.ts';
import type { GraphRequest } from '../../src/transports/graph/graph-client.ts';
import {
  classifyGraphAnswer,
  GraphError,
  graphErrorFromAnswer,
  parseGraphEnvelope,
} from '../../src/transports/graph/graph-error.ts';
import { mailboxRoot } from '../../src/transports/graph/mailbox-path.ts';
import { resolveGraphUrl } from '../../src/transports/graph/resolve-url.ts';
import { retryAfterMs } from '../../src/transports/graph/retry-after.ts';
import {
  isAttachmentPart,
  joinMixed,
  readHeaders,
  splitMixed,
} from '../../src/transports/graph/split-mime.ts';

const ME = { mailbox: 'me', permission: 'Mail.ReadWrite' } as const;

test('Graph codes and statuses map to stable codes and to who must act', () => {
  const table: [number, string | null, string, string][] = [
    [401, 'InvalidAuthenticationToken', 'graph.invalid_token', 'user'],
    [403, 'ErrorAccessDenied', 'graph.access_denied', 'administrator'],
    [403, 'ErrorSendAsDenied', 'graph.send_as_denied', 'administrator'],
    [404, 'MailboxNotEnabledForRESTAPI', 'graph.mailbox_not_enabled', 'administrator'],
    [401, 'MailboxNotEnabledForRESTAPI', 'graph.mailbox_not_enabled', 'administrator'],
    [429, 'ApplicationThrottled', 'graph.throttled', 'nobody'],
    [429, 'TooManyRequests', 'graph.throttled', 'nobody'],
    [429, null, 'graph.throttled', 'nobody'],
    [503, null, 'graph.unavailable', 'microsoft'],
    [503, 'serviceNotAvailable', 'graph.unavailable', 'microsoft'],
    [503, 'MailboxInfoStale', 'graph.unavailable', 'microsoft'],
    [404, 'ErrorItemNotFound', 'graph.item_not_found', 'nobody'],
    [410, 'SyncStateNotFound', 'graph.sync_state_not_found', 'nobody'],
    [400, 'syncStateNotFound', 'graph.sync_state_not_found', 'nobody'],
    [400, 'resyncRequired', 'graph.sync_state_not_found', 'nobody'],
    [410, null, 'graph.sync_state_not_found', 'nobody'],
    [403, 'ErrorQuotaExceeded', 'graph.quota_exceeded', 'user'],
    [400, 'ErrorMessageSizeExceeded', 'graph.message_too_large', 'user'],
    [413, null, 'graph.message_too_large', 'user'],
    [400, 'ErrorInvalidRecipients', 'graph.invalid_recipients', 'user'],
    [400, 'ErrorMimeContentInvalidBase64String', 'graph.request_rejected', 'administrator'],
    [400, 'BadRequest', 'graph.request_rejected', 'administrator'],
    [418, 'SomethingNew', 'graph.unknown', 'administrator'],
    [403, 'SomethingNew', 'graph.unknown', 'administrator'],
    [502, 'SomethingNew', 'graph.unavailable', 'microsoft'],
  ];
  for (const [status, graphCode, code, who] of table) {
    assert.equal(classifyGraphAnswer(status, graphCode), code, `${status} ${graphCode}`);
    const body = graphCode ? JSON.stringify({ error: { code: graphCode, message: 'm' } }) : '';
    const error = graphErrorFromAnswer({ status, body, requestIdHeader: 'rid', retryAfterMs: null }, ME);
    assert.equal(error.whoMustAct, who, `${status} ${graphCode}`);
    assert.ok(error.message.length > 40, `${code} says what to do`);
  }
});

test('the envelope keeps request-id, client-request-id and date; the header request-id stands in when the body has none', () => {
  const body = JSON.stringify({
    error: {
      code: 'ErrorItemNotFound',
      message: 'The specified object was not found in the store.',
      innerError: { date: '2025-02-13T10:17:05', 'request-id': 'r-1', 'client-request-id': 'c-1' },
    },
  });
  assert.deepEqual(parseGraphEnvelope(body), {
    code: 'ErrorItemNotFound',
    message: 'The specified object was not found in the store.',
    requestId: 'r-1',
    clientRequestId: 'c-1',
    date: '2025-02-13T10:17:05',
  });
  const bare = graphErrorFromAnswer(
    { status: 503, body: '<html>busy</html>', requestIdHeader: 'h-1', retryAfterMs: 2128 },
    ME,
  );
  assert.equal(bare.code, 'graph.unavailable');
  assert.equal(bare.requestId, 'h-1');
  assert.equal(bare.retryAfterMs, 2128);
  assert.equal(bare.retryable, true);
  const noInner = parseGraphEnvelope(JSON.stringify({ error: { code: 'ErrorAccessDenied', message: 'x' } }));
  assert.equal(noInner.requestId, null);
});

test('ErrorAccessDenied says which permission to add in Entra: .Shared and FullAccess for another mailbox', () => {
  const mine = new GraphError(
    'graph.access_denied',
    { status: 403 },
    { mailbox: 'me', permission: 'Mail.Send' },
  );
  assert.match(mine.message, /\bMail\.Send\b/);
  assert.doesNotMatch(mine.message, /Mail\.Send\.Shared|FullAccess/);
  const shared = new GraphError(
    'graph.access_denied',
    { status: 403 },
    { mailbox: 'support@contoso.example', permission: 'Mail.ReadWrite' },
  );
  assert.match(shared.message, /Mail\.ReadWrite\.Shared/);
  assert.match(shared.message, /FullAccess/);
  assert.match(shared.message, /support@contoso\.example/);
});

test('Retry-After: seconds (fractional as Graph sends them) or an HTTP date', () => {
  const now = Date.parse('2026-12-02T10:00:00Z');
  assert.equal(retryAfterMs('2.128', now), 2128);
  assert.equal(retryAfterMs('5', now), 5000);
  assert.equal(retryAfterMs('Wed, 02 Dec 2026 10:00:30 GMT', now), 30_000);
  assert.equal(retryAfterMs('Wed, 02 Dec 2026 09:00:00 GMT', now), 0);
  assert.equal(retryAfterMs('soon', now), null);
  assert.equal(retryAfterMs(null, now), null);
});

test('MailboxConcurrency: the fifth waits for a slot; an abort takes a waiter out of the line', async () => {
  const slots = createMailboxConcurrency(4);
  const held = await Promise.all([1, 2, 3, 4].map(() => slots.acquire()));
  let fifth = false;
  const waiting = slots.acquire().then((release) => {
    fifth = true;
    return release;
  });
  const controller = new AbortController();
  const aborted = slots.acquire(controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(fifth, false);
  assert.equal(slots.inFlight, 4);
  held[0]!();
  held[0]!();
  (await waiting)();
  assert.equal(fifth, true);
  for (const release of held.slice(1)) release();
  assert.equal(slots.inFlight, 0);
  assert.equal(slots.peak, 4);
});

test('URLs: paths go under the base; Graph links only on its origin; upload URLs without a token anywhere over https', () => {
  const base = 'https://graph.microsoft.com/v1.0';
  const req = (path: string, extra: Partial<GraphRequest> = {}): GraphRequest => ({
    method: 'GET',
    path,
    read: 'json',
    context: ME,
    ...extra,
  });
  assert.equal(
    resolveGraphUrl(base, req('/me/mailFolders', { query: { $top: '100' } })),
    `${base}/me/mailFolders?%24top=100`,
  );
  const link = 'https://graph.microsoft.com/v1.0/me/mailFolders/x/messages/delta?$skiptoken=abc';
  assert.equal(resolveGraphUrl(base, req(link)), link);
  assert.throws(() => resolveGraphUrl(base, req('https://graph.evil.example/v1.0/me')), GraphError);
  const upload =
    "https://outlook.office.com/api/v2.0/Users('a')/Messages('b')/AttachmentSessions('c')?authtoken=t";
  assert.equal(resolveGraphUrl(base, req(upload, { anonymous: true })), upload);
  assert.throws(
    () => resolveGraphUrl(base, req('http://outlook.office.com/x', { anonymous: true })),
    GraphError,
  );
  assert.equal(mailboxRoot('me'), '/me');
  assert.equal(mailboxRoot('support@contoso.example'), '/users/support@contoso.example');
  assert.equal(mailboxRoot('a/b@x'), '/users/a%2Fb@x');
});

const compose = (attachments: { filename: string; content: Buffer }[]): Promise<Buffer> =>
  new MailComposer({
    from: 'adele@contoso.example',
    to: 'megan@contoso.example',
    subject: 'Re: plans',
    messageId: '<m-1@contoso.example>',
    inReplyTo: '<m-0@contoso.example>',
    references: '<m-0@contoso.example>',
    text: 'hello',
    html: '<p>hello</p>',
    attachments,
  })
    .compile()
    .build();

test('a multipart/mixed message splits into parts and joins back byte for byte; without a file its headers stay', async () => {
  const mime = await compose([
    { filename: 'small.txt', content: Buffer.from('small') },
    { filename: 'été.bin', content: Buffer.alloc(5000, 7) },
  ]);
  const layout = splitMixed(mime);
  assert.ok(layout);
  assert.equal(layout.parts.length, 3);
  assert.deepEqual(
    layout.parts.map((p) => isAttachmentPart(p)),
    [false, true, true],
  );
  assert.ok(joinMixed(layout, layout.parts).equals(mime));
  const skeleton = joinMixed(layout, [layout.parts[0]!, layout.parts[1]!]);
  assert.ok(skeleton.length < mime.length - 5000);
  const again = splitMixed(skeleton);
  assert.equal(again?.parts.length, 2);
  const headers = readHeaders(again!.head.toString('latin1'));
  assert.equal(headers.get('message-id'), '<m-1@contoso.example>');
  assert.equal(headers.get('in-reply-to'), '<m-0@contoso.example>');
  assert.equal(headers.get('references'), '<m-0@contoso.example>');
  assert.equal(splitMixed(Buffer.from('Subject: x\r\nContent-Type: text/plain\r\n\r\nhi\r\n')), null);
});

test('Graph v1.0 of each cloud; a custom authority (the emulator) serves Graph itself', () => {
  assert.equal(graphBaseUrl('global', null), 'https://graph.microsoft.com/v1.0');
  assert.equal(graphBaseUrl('usgov', null), 'https://graph.microsoft.us/v1.0');
  assert.equal(graphBaseUrl('china', null), 'https://microsoftgraph.chinacloudapi.cn/v1.0');
  assert.equal(graphBaseUrl('custom', 'https://127.0.0.1:8443/'), 'https://127.0.0.1:8443/v1.0');
  assert.equal(graphBaseUrl('custom', null), null);
});

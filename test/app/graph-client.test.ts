// The Graph client's HTTP layer against the emulator's Graph (`/v1.0/me`): one refresh on 401
// InvalidAuthenticationToken, Graph's error envelope kept as a typed error, timeouts, aborts, bounded bodies,
// TLS trusted per client, and a token never sent to another host.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import {
  createGraphClientFactory,
  type GetToken,
  type GraphRequest,
} from '../../src/transports/graph/graph-client.ts';
import { GraphError } from '../../src/transports/graph/graph-error.ts';
import { createGraphFetch, type GraphFetch } from '../../src/transports/graph/graph-fetch.ts';
import { type GraphTokenSource, graphTokenSource } from '../support/graph-token-source.ts';
import { outlookToken } from '../support/mail-token.ts';
import { DEMO_PASSWORDS } from '../support/ms-signin.ts';
import { clientCredentialsToken } from '../support/oauth-flow.ts';

const ADELE = `adele@${DEMO.domain}`;
let emu: RunningEmulator;
let adele: GraphTokenSource;
let graphFetch: GraphFetch;

before(async () => {
  emu = await startEmulator({ mail: false });
  adele = await graphTokenSource(emu, ADELE, DEMO_PASSWORDS[ADELE]!);
  graphFetch = createGraphFetch({ extraCaPem: emu.tls.caPem, connectTimeoutMs: 5_000 });
});
after(() => emu?.stop());

interface Sent {
  readonly url: string;
  readonly headers: Record<string, string>;
}

/** The real fetch, recording what went out (an injected wrapper, not a patched global). */
const recording = (inner: GraphFetch) => {
  const sent: Sent[] = [];
  const fetch: GraphFetch = (url, init) => {
    sent.push({ url, headers: { ...init.headers } });
    return inner(url, init);
  };
  return { fetch, sent };
};

const ME: GraphRequest = {
  method: 'GET',
  path: '/me',
  read: 'json',
  context: { mailbox: 'me', permission: null },
};

const clientFor = (
  getToken: GetToken,
  options: { baseUrl?: string; fetch?: GraphFetch; maxJsonBytes?: number; timeoutMs?: number } = {},
) =>
  createGraphClientFactory({
    baseUrl: options.baseUrl ?? `${emu.httpsUrl}/v1.0`,
    fetch: options.fetch ?? graphFetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    ...(options.maxJsonBytes ? { maxJsonBytes: options.maxJsonBytes } : {}),
  }).client(getToken);

const rejectsWith = async (promise: Promise<unknown>, code: string): Promise<GraphError> => {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof GraphError, `not a GraphError: ${String(error)}`);
  assert.equal(error.code, code, error.message);
  return error;
};

test('a Graph token reaches /me over https with the emulator CA trusted for this client only; Prefer and client-request-id go with it', async () => {
  const { fetch, sent } = recording(graphFetch);
  const answer = await clientFor(adele.getToken, { fetch }).request(ME);
  assert.equal(answer.status, 200);
  assert.equal((answer.json as { userPrincipalName: string }).userPrincipalName, ADELE);
  assert.equal(sent.length, 1);
  assert.equal(sent[0]!.headers.prefer, 'IdType="ImmutableId"');
  assert.match(sent[0]!.headers['client-request-id']!, /^[0-9a-f-]{36}$/);
});

test('401 InvalidAuthenticationToken: one fresh token is asked for and the request goes again', async () => {
  const before = adele.forcedRefreshes();
  const stale: GetToken = (options) =>
    options?.forceRefresh ? adele.getToken(options) : Promise.resolve('stale');
  const answer = await clientFor(stale).request(ME);
  assert.equal(answer.status, 200);
  assert.equal(adele.forcedRefreshes(), before + 1);
});

test('a token Graph keeps refusing is graph.invalid_token for the user, with the request id and never the token', async () => {
  const outlook = await outlookToken(emu, ADELE);
  let calls = 0;
  const error = await rejectsWith(
    clientFor(async () => {
      calls += 1;
      return outlook;
    }).request(ME),
    'graph.invalid_token',
  );
  assert.equal(calls, 2, 'one refresh, no more');
  assert.equal(error.status, 401);
  assert.equal(error.graphCode, 'InvalidAuthenticationToken');
  assert.equal(error.whoMustAct, 'user');
  assert.match(error.requestId ?? '', /^[0-9a-f-]{36}$/);
  assert.match(error.clientRequestId ?? '', /^[0-9a-f-]{36}$/);
  assert.ok(error.date);
  assert.equal(error.retryable, false);
  assert.ok(error.message.includes(error.requestId!));
  assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(outlook));
});

test('/me with an app-only token is 400 BadRequest: a request Mailroom got wrong, for an administrator', async () => {
  const answer = await clientCredentialsToken(emu, DEMO.tenantId, 'https://graph.microsoft.com/.default');
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  const appToken = String(answer.json.access_token);
  const error = await rejectsWith(clientFor(async () => appToken).request(ME), 'graph.request_rejected');
  assert.equal(error.status, 400);
  assert.equal(error.graphCode, 'BadRequest');
  assert.equal(error.whoMustAct, 'administrator');
});

test('an answer over the JSON bound is not parsed: graph.too_large', async () => {
  await rejectsWith(clientFor(adele.getToken, { maxJsonBytes: 64 }).request(ME), 'graph.too_large');
});

test('a request that outlives its timeout is graph.timeout; a caller abort is graph.aborted', async () => {
  await rejectsWith(clientFor(adele.getToken, { timeoutMs: 1 }).request(ME), 'graph.timeout');
  const controller = new AbortController();
  controller.abort();
  await rejectsWith(clientFor(adele.getToken).request({ ...ME, signal: controller.signal }), 'graph.aborted');
});

test('a host that does not answer is graph.unreachable; one whose certificate is not trusted is graph.tls', async () => {
  await rejectsWith(
    clientFor(adele.getToken, { baseUrl: 'http://127.0.0.1:1/v1.0' }).request(ME),
    'graph.unreachable',
  );
  const untrusting = createGraphFetch({ extraCaPem: null, connectTimeoutMs: 5_000 });
  const error = await rejectsWith(clientFor(adele.getToken, { fetch: untrusting }).request(ME), 'graph.tls');
  assert.equal(error.whoMustAct, 'administrator');
});

test('a link to another host is refused before any request: the token stays with Graph', async () => {
  const { fetch, sent } = recording(graphFetch);
  const error = await rejectsWith(
    clientFor(adele.getToken, { fetch }).request({ ...ME, path: 'https://attacker.example/v1.0/me' }),
    'graph.protocol',
  );
  assert.equal(sent.length, 0);
  assert.equal(error.whoMustAct, 'microsoft');
});

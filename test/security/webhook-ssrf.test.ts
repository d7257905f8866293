import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startWorkers } from '../../src/jobs/workers.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { isPrivateAddress } from '../../src/webhooks/address-policy.ts';
import { nextAttemptAt, RETRY_WINDOW_MS, retryDelayMs } from '../../src/webhooks/backoff.ts';
import { sendWebhook } from '../../src/webhooks/send-webhook.ts';
import { sign, verify } from '../../src/webhooks/signature.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { DATABASES } from '../support/databases.ts';
import { waitFor } from '../support/wait-for.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

// biome-ignore lint/suspicious/noExplicitAny: the tests read whatever JSON the API answered.
type Json = any;

test('internal addresses, IPv4 and IPv6 in every spelling, are told from public ones', () => {
  const internal = [
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.254',
    '0.0.0.0',
    '224.0.0.251',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fe80::1%eth0',
    'fd12:3456::1',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a9fe:a9fe',
    '::127.0.0.1',
    '2001:db8::1',
    'not an address',
  ];
  const external = [
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '2a00:1450::1',
  ];
  assert.deepEqual(
    internal.filter((a) => !isPrivateAddress(a)),
    [],
  );
  assert.deepEqual(external.filter(isPrivateAddress), []);
});

test('signatures follow Standard Webhooks: the specification’s example, and the receiver’s checks', () => {
  // The example of the Standard Webhooks repository (libraries' test vectors).
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"test": 2432232314}';
  assert.equal(
    sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body),
    'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  );
  const at = new Date(1614265330_000);
  const headers = {
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: '1614265330',
    signature: `v1,bogus= ${sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)}`,
  };
  assert.equal(verify(secret, headers, body, at), null, 'one of several signatures matching is enough');
  assert.equal(verify(secret, { ...headers, id: 'msg_other' }, body, at), 'signature.mismatch');
  assert.equal(verify(secret, headers, body, new Date(at.getTime() + 6 * 60_000)), 'signature.timestamp');
  assert.equal(verify(secret, headers, body, new Date(at.getTime() - 6 * 60_000)), 'signature.timestamp');
  assert.equal(verify(secret, { ...headers, timestamp: '1e9' }, body, at), 'signature.timestamp');
  assert.equal(verify(secret, { id: 'x', timestamp: '1' }, body, at), 'signature.missing');
});

test('retries back off exponentially for 3 days, then stop', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 20].map(retryDelayMs),
    [30_000, 120_000, 480_000, 1_920_000, 7_680_000, 30_720_000, 43_200_000, 43_200_000],
  );
  const first = new Date('2026-12-01T00:00:00Z');
  const end = first.getTime() + RETRY_WINDOW_MS;
  assert.equal(nextAttemptAt(first, 1, first)?.getTime(), first.getTime() + 30_000);
  assert.equal(
    nextAttemptAt(first, 9, new Date(end - 1000))?.getTime(),
    end,
    'the last try at the window’s end',
  );
  assert.equal(nextAttemptAt(first, 10, new Date(end)), null);
});

test('an attempt is cut off at its time limit, and a receiver that does not answer is a timeout', async () => {
  const server = createServer(() => {
    // Never answers.
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const started = Date.now();
    await assert.rejects(
      sendWebhook(
        { url: `http://127.0.0.1:${port}/slow`, headers: {}, body: '{}' },
        { allowPrivate: true, timeoutMs: 300 },
      ),
      { name: 'WebhookError', code: 'webhook.timeout' },
    );
    assert.ok(Date.now() - started < 5000);
    await assert.rejects(
      sendWebhook({ url: `http://127.0.0.1:${port}/slow`, headers: {}, body: '{}' }, { allowPrivate: false }),
      { code: 'webhook.private_address' },
      'a literal internal address is refused before any connection',
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

for (const kind of DATABASES) {
  describe(`webhooks refuse internal addresses on ${kind}`, () => {
    let app: TestApp;
    let receiver: Receiver;
    let token: string;
    let workers: Awaited<ReturnType<typeof startWorkers>>;
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${app.url}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json().catch(() => null)) as Json };
    };

    before(async () => {
      receiver = await startReceiver();
      // MAILROOM_WEBHOOKS_ALLOW_PRIVATE is not set: false.
      app = await startTestApp(kind, {
        MAILROOM_IDLE_CONNECTIONS: '0',
        MAILROOM_SYNC_INTERVAL_SECONDS: '3600',
      });
      const admin = (await findUserByEmail(app.mailroom.deps.db, ADMIN.email))!;
      token = await createApiToken(app.mailroom.deps.db, admin.id, 'ssrf');
      workers = await startWorkers(app.mailroom.deps, app.mailroom.deps.config, { sweepAtStart: false });
    });
    after(async () => {
      await workers?.stop();
      await app?.stop();
      await receiver?.stop();
    });

    test('a literal internal address is refused at registration', async () => {
      for (const url of [
        receiver.url('/hook'),
        `http://[::1]:${receiver.port}/hook`,
        `http://[::ffff:127.0.0.1]:${receiver.port}/hook`,
        'https://169.254.169.254/latest/meta-data',
        'https://10.0.0.7/hook',
        'https://[fd00::7]/hook',
        'https://100.64.0.1/hook',
        'https://0.0.0.0/hook',
      ]) {
        const res = await api('POST', '/webhooks', { url, eventTypes: ['message.created'] });
        assert.equal(res.status, 400, url);
        assert.ok(res.json.error.fields.url, url);
      }
      const plain = await api('POST', '/webhooks', {
        url: 'http://example.com/hook',
        eventTypes: ['message.created'],
      });
      assert.equal(plain.status, 400, 'plain http only on loopback');
      const publicIp = await api('POST', '/webhooks', {
        url: 'https://8.8.8.8/hook',
        eventTypes: ['message.created'],
      });
      assert.equal(publicIp.status, 201);
      assert.equal((await api('DELETE', `/webhooks/${publicIp.json.id}`)).status, 204);
    });

    test('a name resolving to an internal address is refused when delivering, after DNS', async () => {
      const created = await api('POST', '/webhooks', {
        url: receiver.url('/hook', 'localhost'),
        eventTypes: ['message.created'],
      });
      assert.equal(created.status, 201, 'a name is accepted: it is checked when it resolves');
      assert.equal((await api('POST', `/webhooks/${created.json.id}/test`)).status, 202);
      const log = await waitFor(
        async () => (await api('GET', `/webhooks/${created.json.id}/deliveries`)).json.deliveries[0]?.log[0],
        10_000,
        'the attempt',
      );
      assert.equal(log.errorCode, 'webhook.private_address');
      assert.equal(log.statusCode, null);
      assert.match(log.error, /MAILROOM_WEBHOOKS_ALLOW_PRIVATE/);
      assert.equal(receiver.received.length, 0, 'nothing reached the receiver');
    });
  });
}

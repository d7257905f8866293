import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalTls, type LocalTls } from '../../emulator/tls/local-ca.ts';
import { startWorkers } from '../../src/jobs/workers.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { verify } from '../../src/webhooks/signature.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { DATABASES } from '../support/databases.ts';
import { waitFor } from '../support/wait-for.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

// biome-ignore lint/suspicious/noExplicitAny: the tests read whatever JSON the API answered.
type Json = any;

for (const kind of DATABASES) {
  describe(`webhooks over https, and their metrics, on ${kind}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailroom-webhook-tls-'));
    /** The private CA the operator trusts for receivers (MAILROOM_WEBHOOKS_CA_FILE). */
    let receiversCa: LocalTls;
    /** Another CA, trusted only for Microsoft's hosts (MAILROOM_EXTRA_CA_FILE). */
    let microsoftCa: LocalTls;
    let trusted: Receiver;
    let stranger: Receiver;
    let app: TestApp;
    let token: string;
    let workers: Awaited<ReturnType<typeof startWorkers>>;
    /** The clock webhook retries are scheduled on: moved forward instead of waiting. */
    let offsetMs = 0;
    const clock = () => new Date(Date.now() + offsetMs);

    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${app.url}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, text, json: (text ? JSON.parse(text) : null) as Json };
    };
    const register = async (url: string) => {
      const created = await api('POST', '/webhooks', { url, eventTypes: ['message.created'] });
      assert.equal(created.status, 201, created.text);
      return created.json as { id: string; secret: string };
    };
    const deliveries = async (id: string) =>
      (await api('GET', `/webhooks/${id}/deliveries`)).json.deliveries as Json[];
    const attempted = (id: string, attempts: number) =>
      waitFor(
        async () => {
          const [d] = await deliveries(id);
          // Both: the delivery and its log are read one after the other, and an attempt may land between.
          return d?.attempts === attempts && d.log.length === attempts ? d : null;
        },
        10_000,
        `attempt ${attempts}`,
      );
    const advancePast = (delivery: Json) => {
      offsetMs = Math.max(offsetMs, Date.parse(delivery.nextAttemptAt) - Date.now() + 1000);
    };
    /** One sample of /metrics, by its name and labels as Prometheus prints them; NaN when absent. */
    const scrape = async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      return (series: string) => {
        const line = text.split('\n').find((l) => l.startsWith(`${series} `));
        return line ? Number(line.slice(series.length + 1)) : Number.NaN;
      };
    };

    before(async () => {
      receiversCa = createLocalTls(join(dir, 'receivers'));
      microsoftCa = createLocalTls(join(dir, 'microsoft'));
      trusted = await startReceiver({ tls: { key: receiversCa.keyPem, cert: receiversCa.certPem } });
      stranger = await startReceiver({ tls: { key: microsoftCa.keyPem, cert: microsoftCa.certPem } });
      app = await startTestApp(kind, {
        MAILROOM_WEBHOOKS_CA_FILE: receiversCa.caPath,
        MAILROOM_EXTRA_CA_FILE: microsoftCa.caPath,
        // The receivers are on loopback.
        MAILROOM_WEBHOOKS_ALLOW_PRIVATE: 'true',
        MAILROOM_IDLE_CONNECTIONS: '0',
        MAILROOM_SYNC_INTERVAL_SECONDS: '3600',
      });
      const admin = (await findUserByEmail(app.mailroom.deps.db, ADMIN.email))!;
      token = await createApiToken(app.mailroom.deps.db, admin.id, 'webhooks');
      workers = await startWorkers(app.mailroom.deps, app.mailroom.deps.config, {
        sweepAtStart: false,
        clock,
      });
    });
    after(async () => {
      await workers?.stop();
      await app?.stop();
      await trusted?.stop();
      await stranger?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a receiver whose certificate the webhooks CA issued gets signed messages over https', async () => {
      const endpoint = await register(trusted.url('/hook'));
      await api('POST', `/webhooks/${endpoint.id}/test`);
      const [d] = await waitFor(
        async () => {
          const list = await deliveries(endpoint.id);
          return list[0]?.state === 'delivered' ? list : null;
        },
        10_000,
        'the test event delivered',
      );
      const got = trusted.at('/hook')[0]!;
      const headers = {
        id: String(got.headers['webhook-id']),
        timestamp: String(got.headers['webhook-timestamp']),
        signature: String(got.headers['webhook-signature']),
      };
      assert.equal(verify(endpoint.secret, headers, got.body), null);
      assert.equal(d.log[0].statusCode, 200);
    });

    test('a certificate that does not verify fails the attempt with webhook.tls_failed; nothing is sent', async () => {
      // The CA of this certificate is trusted for Microsoft's hosts only: it vouches for no receiver.
      const endpoint = await register(stranger.url('/hook'));
      await api('POST', `/webhooks/${endpoint.id}/test`);
      const d = await attempted(endpoint.id, 1);
      assert.equal(d.log[0].errorCode, 'webhook.tls_failed');
      assert.equal(d.log[0].statusCode, null);
      assert.match(d.log[0].error, /did not verify \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
      assert.match(d.log[0].error, /MAILROOM_WEBHOOKS_CA_FILE/);
      assert.equal(d.state, 'pending', 'tried again later, never without the check');
      assert.equal(stranger.received.length, 0, 'no request reached the receiver');
      const line = app.logs.find((l) => l.includes('"event":"webhook.tls_failed"'));
      assert.ok(line, 'the log says why');
      assert.match(line, new RegExp(`"endpointId":"${endpoint.id}"`));
      await api('DELETE', `/webhooks/${endpoint.id}`);
    });

    test('over https too, a redirect to another host is not followed', async () => {
      trusted.answer('/moved', () => ({
        status: 307,
        headers: { location: trusted.url('/elsewhere', 'localhost') },
      }));
      const endpoint = await register(trusted.url('/moved'));
      await api('POST', `/webhooks/${endpoint.id}/test`);
      const d = await attempted(endpoint.id, 1);
      assert.equal(d.log[0].statusCode, 307);
      assert.equal(d.log[0].errorCode, 'webhook.redirect');
      assert.equal(trusted.at('/moved').length, 1);
      assert.equal(trusted.at('/elsewhere').length, 0);
      await api('DELETE', `/webhooks/${endpoint.id}`);
    });

    test('attempts by outcome, their durations and the backlog per endpoint move on /metrics', async () => {
      const before = await scrape();
      const count = 'mailroom_webhook_delivery_duration_seconds_count';
      trusted.answer('/flaky', (_r, n) => ({ status: n <= 2 ? 503 : 204 }));
      const endpoint = await register(trusted.url('/flaky'));
      const backlog = `mailroom_webhook_backlog{endpoint="${endpoint.id}"}`;
      assert.equal((await scrape())(backlog), 0, 'an endpoint with nothing waiting');
      await api('POST', `/webhooks/${endpoint.id}/test`);
      for (let attempts = 1; attempts <= 2; attempts++) {
        const d = await attempted(endpoint.id, attempts);
        const now = await scrape();
        assert.equal(now(backlog), 1, 'the message waits for its retry');
        assert.equal(
          now('mailroom_webhook_deliveries_total{outcome="retrying"}') -
            before('mailroom_webhook_deliveries_total{outcome="retrying"}'),
          attempts,
        );
        advancePast(d);
      }
      const d = await waitFor(
        async () => (await deliveries(endpoint.id)).find((x) => x.state === 'delivered'),
        10_000,
        'the 3rd try',
      );
      const after = await scrape();
      const moved = (series: string) => after(series) - before(series);
      assert.equal(moved('mailroom_webhook_deliveries_total{outcome="delivered"}'), 1);
      assert.equal(moved('mailroom_webhook_deliveries_total{outcome="retrying"}'), 2);
      assert.equal(moved('mailroom_webhook_deliveries_total{outcome="failed"}'), 0);
      assert.equal(moved(count), 3, 'each attempt timed');
      assert.equal(moved('mailroom_webhook_delivery_duration_seconds_bucket{le="+Inf"}'), 3);
      const sum = moved('mailroom_webhook_delivery_duration_seconds_sum');
      const took = d.log.reduce((n: number, a: Json) => n + a.durationMs, 0) / 1000;
      assert.ok(Math.abs(sum - took) < 0.0005, `the sum (${sum} s) is the log's durations (${took} s)`);
      assert.ok(
        after('mailroom_webhook_delivery_duration_seconds_bucket{le="0.05"}') <=
          after('mailroom_webhook_delivery_duration_seconds_bucket{le="10"}'),
      );
      assert.equal(after(backlog), 0);
      assert.ok(!(await (await fetch(`${app.url}/metrics`)).text()).includes(trusted.url('')), 'no URL');
    });

    test('an endpoint failing for 3 days counts a failed attempt and a disabled endpoint', async () => {
      const before = await scrape();
      trusted.answer('/down', () => ({ status: 500 }));
      const endpoint = await register(trusted.url('/down'));
      await api('POST', `/webhooks/${endpoint.id}/test`);
      for (let attempts = 1; ; attempts++) {
        const d = await attempted(endpoint.id, attempts);
        if (d.state === 'failed') break;
        assert.ok(attempts < 30, 'gives up within the window');
        advancePast(d);
      }
      const turnedOff = await register(trusted.url('/off'));
      assert.equal((await api('PATCH', `/webhooks/${turnedOff.id}`, { enabled: false })).status, 200);
      const after = await scrape();
      const moved = (series: string) => after(series) - before(series);
      assert.equal(moved('mailroom_webhook_deliveries_total{outcome="failed"}'), 1);
      assert.equal(moved('mailroom_webhook_deliveries_total{outcome="delivered"}'), 0);
      assert.equal(moved('mailroom_webhook_endpoints_disabled{by="mailroom"}'), 1);
      assert.equal(moved('mailroom_webhook_endpoints_disabled{by="administrator"}'), 1);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { startWorkers } from '../../src/jobs/workers.ts';
import { setMailboxState } from '../../src/mailboxes/repository.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { retryDelayMs } from '../../src/webhooks/backoff.ts';
import { purgeWebhookDeliveries } from '../../src/webhooks/purge.ts';
import { verify } from '../../src/webhooks/signature.ts';
import { STAFF, startTestApp, type TestApp } from '../support/app.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { outlookToken } from '../support/mail-token.ts';
import {
  ADELE,
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../support/mailbox-setup.ts';
import { waitFor } from '../support/wait-for.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

// biome-ignore lint/suspicious/noExplicitAny: the tests read whatever JSON the API answered.
type Json = any;

for (const kind of DATABASES) {
  describe(`webhooks on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    let workers: Awaited<ReturnType<typeof startWorkers>>;
    let receiver: Receiver;
    let adminToken: string;
    let staffToken: string;
    let mailboxId: string;
    /** The clock webhook retries are scheduled on: moved forward instead of waiting. */
    let offsetMs = 0;
    const clock = () => new Date(Date.now() + offsetMs);
    const secrets: string[] = [];
    /** The message the first test delivers; the next one changes and deletes it. */
    let sentMessage: { subject: string; id: string } | null = null;

    const api = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${app.url}/api${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, text, json: (text ? JSON.parse(text) : null) as Json };
    };
    const register = async (path: string, eventTypes: string[], extra: Record<string, unknown> = {}) => {
      const created = await api(adminToken, 'POST', '/webhooks', {
        url: receiver.url(path),
        eventTypes,
        ...extra,
      });
      assert.equal(created.status, 201, created.text);
      secrets.push(created.json.secret);
      return created.json as { id: string; secret: string };
    };
    const deliveries = async (endpointId: string) =>
      (await api(adminToken, 'GET', `/webhooks/${endpointId}/deliveries`)).json.deliveries as Json[];
    /** Moves the clock a second past the delivery's next attempt, instead of waiting for it. */
    const advancePast = (delivery: Json) => {
      offsetMs = Math.max(offsetMs, Date.parse(delivery.nextAttemptAt) - Date.now() + 1000);
    };

    before(async () => {
      emu = await startEmulator();
      receiver = await startReceiver();
      app = await startTestApp(kind, {
        MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
        // The receiver is on loopback.
        MAILROOM_WEBHOOKS_ALLOW_PRIVATE: 'true',
      });
      adminToken = await configureForMail(emu, app);
      await createDemoPeople(app);
      const staff = (await findUserByEmail(app.mailroom.deps.db, STAFF.email))!;
      staffToken = await createApiToken(app.mailroom.deps.db, staff.id, 'staff');
      mailboxId = mailboxIdOf(
        await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
      );
      workers = await startWorkers(app.mailroom.deps, app.mailroom.deps.config, { clock });
    });
    after(async () => {
      await workers?.stop();
      await app?.stop();
      await receiver?.stop();
      await emu?.stop();
    });

    test('mail delivered to a connected mailbox reaches the receiver as a signed message.created within 2 s', async () => {
      const endpoint = await register('/mail', ['message.created'], { mailboxId });
      const db = app.mailroom.deps.db;
      await waitFor(
        async () => {
          const folders = await db.selectFrom('folder_sync_state').select('status').execute();
          return (
            folders.length > 0 &&
            folders.every((f) => f.status === 'idle') &&
            workers.watchers?.watching().length === 1 &&
            (await control(emu, 'GET', `/mail/sessions?address=${MEGAN}`)).body.totals.idling === 1
          );
        },
        15_000,
        'the first sync done and the Inbox in IDLE',
      );
      const subject = `Webhook me ${Date.now()}`;
      const raw = `From: someone@example.net\r\nTo: ${MEGAN}\r\nSubject: ${subject}\r\nMessage-ID: <hook-${Date.now()}@example.net>\r\n\r\nHello\r\n`;
      const deliveredAt = Date.now();
      await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', messages: [raw] });
      const got = await waitFor(
        async () => receiver.at('/mail').find((r) => r.body.includes(subject)),
        10_000,
        'the webhook of the new message',
      );
      assert.ok(got.at - deliveredAt < 2000, `the webhook came ${got.at - deliveredAt} ms after delivery`);

      const headers = {
        id: String(got.headers['webhook-id']),
        timestamp: String(got.headers['webhook-timestamp']),
        signature: String(got.headers['webhook-signature']),
      };
      assert.equal(verify(endpoint.secret, headers, got.body), null, 'the signature verifies');
      assert.equal(got.headers['mailroom-signature'], headers.signature);
      assert.equal(verify(endpoint.secret, headers, `${got.body} `), 'signature.mismatch');
      assert.equal(
        verify(endpoint.secret, headers, got.body, new Date(Date.now() + 10 * 60_000)),
        'signature.timestamp',
        'a replay 10 minutes later is refused',
      );
      const body = JSON.parse(got.body) as Json;
      assert.equal(body.id, headers.id);
      assert.equal(body.type, 'message.created');
      assert.equal(body.mailboxId, mailboxId);
      assert.ok(!Number.isNaN(Date.parse(body.occurredAt)));
      assert.equal(body.data.message.subject, subject);
      assert.equal(body.data.message.from.address, 'someone@example.net');
      const link = await fetch(body.data.message.link, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.ok([200, 403, 404].includes(link.status));
      assert.equal(
        (await fetch(body.data.message.link, { headers: { authorization: `Bearer ${staffToken}` } })).status,
        404,
        'the link is the API’s own, answering to who may see the mailbox',
      );
      assert.deepEqual(
        (await deliveries(endpoint.id)).map((d) => [d.type, d.state, d.log.length, d.log[0].statusCode]),
        [['message.created', 'delivered', 1, 200]],
      );
      sentMessage = { subject, id: body.data.message.id };
    });

    test('flags changed on the server or in Mailroom, and a deletion, reach the receiver', async () => {
      const delivered = sentMessage;
      assert.ok(delivered, 'the first test delivered a message');
      const endpoint = await register('/changes', ['message.flags_changed', 'message.deleted'], {
        mailboxId,
      });
      const changes = () => receiver.at('/changes').map((r) => JSON.parse(r.body) as Json);
      const megan = (await findUserByEmail(app.mailroom.deps.db, MEGAN))!;
      const meganToken = await createApiToken(app.mailroom.deps.db, megan.id, 'megan');
      // Sync now, as the owner would press it: the rescan finds what changed on the server.
      const syncNow = async () =>
        assert.equal(
          (
            await fetch(`${app.url}/api/mailboxes/${mailboxId}/sync`, {
              method: 'POST',
              headers: { authorization: `Bearer ${meganToken}` },
            })
          ).status,
          202,
        );
      const server = new ImapFlow({
        host: '127.0.0.1',
        port: emu.mail!.imap.port,
        secure: false,
        auth: { user: MEGAN, accessToken: await outlookToken(emu, MEGAN) },
        logger: false,
      });
      await server.connect();
      try {
        const lock = await server.getMailboxLock('INBOX');
        try {
          await server.messageFlagsAdd({ subject: delivered.subject }, ['\\Flagged']);
        } finally {
          lock.release();
        }
        await syncNow();
        const flagged = await waitFor(
          async () =>
            changes().find((c) => c.type === 'message.flags_changed' && c.data.message.flags.flagged),
          10_000,
          'message.flags_changed from the server',
        );
        assert.equal(flagged.data.message.id, delivered.id);
        assert.equal(flagged.data.message.folder, 'INBOX');
        assert.equal(flagged.data.message.changedIn, 'server');

        // Read in Mailroom, through the API, as its owner.
        const read = await fetch(`${app.url}/api/mailboxes/${mailboxId}/messages/${delivered.id}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${meganToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ seen: true }),
        });
        assert.equal(read.status, 200);
        const seen = await waitFor(
          async () =>
            changes().find(
              (c) => c.type === 'message.flags_changed' && c.data.message.changedIn === 'mailroom',
            ),
          10_000,
          'message.flags_changed from Mailroom',
        );
        assert.deepEqual(seen.data.message.flags, {
          seen: true,
          flagged: true,
          answered: false,
          draft: false,
        });

        const lock2 = await server.getMailboxLock('INBOX');
        try {
          await server.messageDelete({ subject: delivered.subject });
        } finally {
          lock2.release();
        }
        await syncNow();
        const deleted = await waitFor(
          async () => changes().find((c) => c.type === 'message.deleted'),
          10_000,
          'message.deleted',
        );
        assert.equal(deleted.data.message.id, delivered.id);
        assert.equal(deleted.data.message.folder, 'INBOX');
      } finally {
        await server.logout();
      }
      const types = (await deliveries(endpoint.id)).map((d) => d.type);
      assert.ok(
        types.every((t) => t === 'message.flags_changed' || t === 'message.deleted'),
        `only what was asked: ${types}`,
      );
    });

    test('a receiver failing 3 times gets the message on the 4th try; the log shows all four', async () => {
      receiver.answer('/flaky', (_r, n) => ({ status: n <= 3 ? 503 : 204 }));
      const endpoint = await register('/flaky', ['message.created']);
      assert.equal((await api(adminToken, 'POST', `/webhooks/${endpoint.id}/test`)).status, 202);
      for (let attempts = 1; attempts <= 3; attempts++) {
        await waitFor(
          async () => (await deliveries(endpoint.id))[0]?.log.length === attempts,
          10_000,
          `attempt ${attempts}`,
        );
        const [d] = await deliveries(endpoint.id);
        assert.equal(d.state, 'pending');
        assert.ok(Date.parse(d.nextAttemptAt) > clock().getTime(), 'the retry waits for its time');
        assert.equal(Date.parse(d.nextAttemptAt) - Date.parse(d.log.at(-1).at), retryDelayMs(attempts));
        advancePast(d);
      }
      await waitFor(
        async () => (await deliveries(endpoint.id))[0]?.state === 'delivered',
        10_000,
        'the 4th try',
      );
      const [d] = await deliveries(endpoint.id);
      assert.deepEqual(
        d.log.map((a: Json) => a.statusCode),
        [503, 503, 503, 204],
      );
      assert.deepEqual(
        d.log.map((a: Json) => a.errorCode),
        ['webhook.http_status', 'webhook.http_status', 'webhook.http_status', null],
      );
      const gaps = d.log.slice(1).map((a: Json, i: number) => Date.parse(a.at) - Date.parse(d.log[i].at));
      assert.ok(gaps[0] >= 30_000 && gaps[1] >= 120_000 && gaps[2] >= 480_000, `backoff grows: ${gaps}`);
      const hits = receiver.at('/flaky');
      assert.equal(hits.length, 4);
      assert.equal(
        new Set(hits.map((h) => h.headers['webhook-id'])).size,
        1,
        'the same webhook-id every time',
      );
      assert.equal(JSON.parse(hits[0]!.body).type, 'webhook.test');
    });

    test('a redirect is not followed: it is a failed attempt', async () => {
      receiver.answer('/moved', () => ({ status: 302, headers: { location: receiver.url('/elsewhere') } }));
      const endpoint = await register('/moved', ['message.created']);
      await api(adminToken, 'POST', `/webhooks/${endpoint.id}/test`);
      await waitFor(async () => (await deliveries(endpoint.id))[0]?.log.length === 1, 10_000, 'the attempt');
      const [d] = await deliveries(endpoint.id);
      assert.equal(d.log[0].statusCode, 302);
      assert.equal(d.log[0].errorCode, 'webhook.redirect');
      assert.equal(d.state, 'pending');
      assert.equal(receiver.at('/elsewhere').length, 0);
      await api(adminToken, 'DELETE', `/webhooks/${endpoint.id}`);
    });

    test('fields are validated; a rotated secret is shown once and the old one signs beside it for a day, unless revoked', async () => {
      const bad = await api(adminToken, 'POST', '/webhooks', {
        url: 'http://example.com/hook',
        eventTypes: ['message.nothing'],
        mailboxId: 'no-such-mailbox',
      });
      assert.equal(bad.status, 400);
      assert.deepEqual(Object.keys(bad.json.error.fields).sort(), ['eventTypes', 'url']);
      const noMailbox = await api(adminToken, 'POST', '/webhooks', {
        url: 'https://example.com/hook',
        eventTypes: ['message.created'],
        mailboxId: 'no-such-mailbox',
      });
      assert.equal(noMailbox.status, 400);
      assert.ok(noMailbox.json.error.fields.mailboxId);
      const withCredentials = await api(adminToken, 'POST', '/webhooks', {
        url: 'https://user:pass@example.com/hook',
        eventTypes: ['message.created'],
      });
      assert.equal(withCredentials.status, 400);
      assert.equal((await api(adminToken, 'GET', '/webhooks/no-such-id')).status, 404);

      const endpoint = await register('/rotated', ['message.sent']);
      const signedWith = async (n: number) => {
        await api(adminToken, 'POST', `/webhooks/${endpoint.id}/test`);
        const got = await waitFor(async () => receiver.at('/rotated')[n], 10_000, `test event ${n + 1}`);
        const headers = {
          id: String(got.headers['webhook-id']),
          timestamp: String(got.headers['webhook-timestamp']),
          signature: String(got.headers['webhook-signature']),
        };
        return (secret: string) => verify(secret, headers, got.body);
      };
      // Rotated: the old secret still signs beside the new one for a day, so receivers can switch.
      const rotated = await api(adminToken, 'POST', `/webhooks/${endpoint.id}/rotate-secret`);
      assert.equal(rotated.status, 200);
      assert.equal(rotated.json.keepPreviousHours, 24);
      assert.notEqual(rotated.json.secret, endpoint.secret);
      secrets.push(rotated.json.secret);
      const first = await signedWith(0);
      assert.equal(first(rotated.json.secret), null);
      assert.equal(first(endpoint.secret), null, 'the replaced secret still verifies for a while');
      // Revoked at once (a leaked secret): only the newest signs.
      const revoked = await api(adminToken, 'POST', `/webhooks/${endpoint.id}/rotate-secret`, {
        keepPreviousHours: 0,
      });
      assert.equal(revoked.status, 200);
      secrets.push(revoked.json.secret);
      const second = await signedWith(1);
      assert.equal(second(revoked.json.secret), null);
      assert.equal(second(rotated.json.secret), 'signature.mismatch');
      assert.equal(second(endpoint.secret), 'signature.mismatch');
      assert.equal(
        (await api(adminToken, 'POST', `/webhooks/${endpoint.id}/rotate-secret`, { keepPreviousHours: 100 }))
          .status,
        400,
      );
    });

    test('an endpoint failing for 3 days is turned off, and the page says why; Resend sends again', async () => {
      receiver.answer('/down', () => ({ status: 500 }));
      const endpoint = await register('/down', ['message.created']);
      await api(adminToken, 'POST', `/webhooks/${endpoint.id}/test`);
      for (let attempts = 1; ; attempts++) {
        await waitFor(
          async () => (await deliveries(endpoint.id))[0]?.log.length === attempts,
          10_000,
          `attempt ${attempts}`,
        );
        const [d] = await deliveries(endpoint.id);
        if (d.state === 'failed') break;
        assert.ok(attempts < 30, 'gives up within the window');
        advancePast(d);
      }
      const [d] = await deliveries(endpoint.id);
      const span = Date.parse(d.log.at(-1).at) - Date.parse(d.log[0].at);
      assert.ok(
        span >= 3 * 86_400_000 - 1000 && span < 3 * 86_400_000 + 60_000,
        `retried for 3 days (${span} ms)`,
      );
      const shown = (await api(adminToken, 'GET', `/webhooks/${endpoint.id}`)).json;
      assert.equal(shown.enabled, false);
      assert.equal(shown.disabled.code, 'webhook.failing');
      assert.match(shown.disabled.reason, /answered 500/);

      const browser = await mailroomBrowser(emu, app, ADELE);
      const page = await browser.get(`${app.url}/settings/webhooks/${endpoint.id}`);
      assert.equal(page.status, 200);
      assert.ok(page.html.includes('Mailroom turned this endpoint off'), 'the page tells why');

      // Back on, and the failed message resent: it goes out again with the same id.
      receiver.answer('/down', () => ({ status: 200 }));
      assert.equal(
        (await api(adminToken, 'PATCH', `/webhooks/${endpoint.id}`, { enabled: true })).json.disabled,
        null,
      );
      assert.equal(
        (await api(adminToken, 'POST', `/webhooks/${endpoint.id}/deliveries/${d.id}/resend`)).status,
        202,
      );
      await waitFor(
        async () => (await deliveries(endpoint.id))[0]?.state === 'delivered',
        10_000,
        'the resend',
      );
      const hits = receiver.at('/down');
      assert.equal(hits.at(-1)!.headers['webhook-id'], hits[0]!.headers['webhook-id']);
    });

    test('the page registers an endpoint and shows its secret once; nobody but administrators reaches webhooks', async () => {
      const browser = await mailroomBrowser(emu, app, ADELE);
      const list = await browser.get(`${app.url}/settings/webhooks`);
      assert.equal(list.status, 200);
      assert.ok(
        list.html.includes('Without a mailbox, this URL receives the events of every mailbox in Mailroom'),
        'the page says what no mailbox filter means',
      );
      const created = await browser.submit(list, {
        fields: { url: receiver.url('/from-page'), eventTypes: 'mailbox.needs_reconnect' },
        formIndex: 1,
      });
      assert.equal(created.status, 200, created.html.slice(0, 500));
      const secret = /whsec_[A-Za-z0-9+/=]+/.exec(created.html)?.[0];
      assert.ok(secret, 'the secret is on the page once');
      secrets.push(secret);
      const id = /\/settings\/webhooks\/([0-9a-f-]{36})\/test/.exec(created.html)?.[1];
      assert.ok(id);
      const again = await browser.get(`${app.url}/settings/webhooks/${id}`);
      assert.ok(!again.html.includes('whsec_'), 'not shown again');
      const invalid = await browser.submit(await browser.get(`${app.url}/settings/webhooks`), {
        fields: { url: 'ftp://example.com/x', eventTypes: 'message.created' },
        formIndex: 1,
      });
      assert.equal(invalid.status, 400);
      assert.ok(invalid.html.includes('Use https://'));

      // A staff member: no page, no API, for any endpoint, whatever the method.
      const staffBrowser = await mailroomBrowser(emu, app, MEGAN);
      assert.equal((await staffBrowser.get(`${app.url}/settings/webhooks`)).status, 403);
      assert.equal((await staffBrowser.get(`${app.url}/settings/webhooks/${id}`)).status, 403);
      const calls: [string, string, unknown?][] = [
        ['GET', '/webhooks'],
        ['POST', '/webhooks', { url: receiver.url('/x'), eventTypes: ['message.created'] }],
        ['GET', `/webhooks/${id}`],
        ['PATCH', `/webhooks/${id}`, { enabled: false }],
        ['DELETE', `/webhooks/${id}`],
        ['POST', `/webhooks/${id}/rotate-secret`],
        ['POST', `/webhooks/${id}/test`],
        ['GET', `/webhooks/${id}/deliveries`],
        ['POST', `/webhooks/${id}/deliveries/1/resend`],
      ];
      for (const [method, path, body] of calls) {
        const res = await api(staffToken, method, path, body);
        assert.equal(res.status, 403, `${method} ${path}`);
        assert.equal(res.json.error.code, 'auth.forbidden');
      }
      assert.equal((await api(adminToken, 'GET', `/webhooks/${id}`)).json.enabled, true, 'unchanged');
    });

    test('secrets never show again: not in the API, the pages, the logs, or the database in clear', async () => {
      assert.ok(secrets.length >= 5);
      const listed = await api(adminToken, 'GET', '/webhooks');
      const browser = await mailroomBrowser(emu, app, ADELE);
      const pages = [await browser.get(`${app.url}/settings/webhooks`)];
      for (const w of listed.json.webhooks as Json[]) {
        pages.push(await browser.get(`${app.url}/settings/webhooks/${w.id}`));
        assert.ok(!('secret' in w));
        const deliveryLog = await api(adminToken, 'GET', `/webhooks/${w.id}/deliveries`);
        for (const secret of secrets) assert.ok(!deliveryLog.text.includes(secret));
      }
      const stored = JSON.stringify(
        await app.mailroom.deps.db.selectFrom('webhook_endpoints').selectAll().execute(),
      );
      const logs = app.logs.join('');
      for (const secret of secrets) {
        const key = secret.slice('whsec_'.length);
        assert.ok(!listed.text.includes(key));
        for (const page of pages) assert.ok(!page.html.includes(key));
        assert.ok(!logs.includes(key), 'not in the logs');
        assert.ok(!stored.includes(key), 'sealed at rest');
      }
    });

    test('a mailbox that needs reconnecting, and connected again, is told with its reason', async () => {
      await register('/mailbox', ['mailbox.needs_reconnect', 'mailbox.connected']);
      await setMailboxState(app.mailroom.deps.db, mailboxId, {
        state: 'reconnect_required',
        code: 'mailbox.refresh_token_expired',
        message: 'Reconnect the mailbox.',
      });
      await setMailboxState(app.mailroom.deps.db, mailboxId, {
        state: 'connected',
        code: null,
        message: null,
      });
      await waitFor(async () => receiver.at('/mailbox').length === 2, 10_000, 'both mailbox events');
      const [lost, back] = receiver.at('/mailbox').map((r) => JSON.parse(r.body) as Json);
      assert.equal(lost.type, 'mailbox.needs_reconnect');
      assert.equal(lost.data.mailbox.reason, 'mailbox.refresh_token_expired');
      assert.equal(lost.data.mailbox.address, MEGAN);
      assert.equal(back.type, 'mailbox.connected');
      assert.equal(back.data.mailbox.previousState, 'reconnect_required');
      assert.ok(Date.parse(lost.occurredAt) <= Date.parse(back.occurredAt), 'in order');
    });

    test('a secret that cannot be decrypted sends nothing unsigned; rotating it is the way out', async () => {
      const endpoint = await register('/unsealed', ['message.created']);
      await app.mailroom.deps.db
        .updateTable('webhook_endpoints')
        .set({ secret_encrypted: 'v1.gone.AAAA.AAAA.AAAA' })
        .where('id', '=', endpoint.id)
        .execute();
      await api(adminToken, 'POST', `/webhooks/${endpoint.id}/test`);
      const [d] = await waitFor(
        async () => {
          const list = await deliveries(endpoint.id);
          return list[0]?.log.length === 1 ? list : null;
        },
        10_000,
        'the attempt',
      );
      assert.equal(d.log[0].errorCode, 'webhook.secret_unavailable');
      assert.equal(receiver.at('/unsealed').length, 0, 'nothing sent unsigned');
      const rotated = await api(adminToken, 'POST', `/webhooks/${endpoint.id}/rotate-secret`);
      assert.equal(rotated.status, 200);
      secrets.push(rotated.json.secret);
      await api(adminToken, 'POST', `/webhooks/${endpoint.id}/deliveries/${d.id}/resend`);
      const got = await waitFor(async () => receiver.at('/unsealed')[0], 10_000, 'the resend');
      assert.equal(
        verify(
          rotated.json.secret,
          {
            id: String(got.headers['webhook-id']),
            timestamp: String(got.headers['webhook-timestamp']),
            signature: String(got.headers['webhook-signature']),
          },
          got.body,
        ),
        null,
      );
    });

    test('the delivery log forgets delivered and failed messages after 30 days, never pending ones', async () => {
      const { db } = app.mailroom.deps;
      receiver.answer('/still-down', () => ({ status: 500 }));
      const failing = await register('/still-down', ['message.created']);
      await api(adminToken, 'POST', `/webhooks/${failing.id}/test`);
      await waitFor(
        async () => (await deliveries(failing.id))[0]?.log.length === 1,
        10_000,
        'a failed attempt',
      );
      const states = async () =>
        (await db.selectFrom('webhook_deliveries').select('state').execute()).map((r) => r.state).sort();
      const before = await states();
      assert.ok(before.includes('delivered') && before.includes('pending'));
      assert.equal(
        await purgeWebhookDeliveries(db, new Date(Date.now() + offsetMs)),
        0,
        'nothing is old yet',
      );
      await purgeWebhookDeliveries(db, new Date(Date.now() + offsetMs + 31 * 86_400_000));
      assert.deepEqual(
        await states(),
        before.filter((s) => s === 'pending'),
      );
    });
  });
}

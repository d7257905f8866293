import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { PURGE_INTERVAL_MS, runPurge } from '../../src/jobs/purge.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, STAFF, startTestApp, type TestApp } from '../support/app.ts';
import { csrfOf, signedInBrowser, textOf } from '../support/app-browser.ts';
import { DATABASES } from '../support/databases.ts';
import { Browser } from '../support/http-client.ts';

// A page view must not cost a database row: anonymous forms carry a signed double-submit CSRF token, a
// session row is stored only when something must be kept (a sign-in, a flow, a flash message), and what
// expires is purged on a schedule.

const count = async (app: TestApp, table: 'sessions' | 'rate_limit_events') =>
  Number(
    (
      await app.mailroom.deps.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

for (const kind of DATABASES) {
  describe(`anonymous state on ${kind}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind);
    });
    beforeEach(async () => {
      await app.mailroom.deps.db.deleteFrom('sessions').execute();
      await app.mailroom.deps.db.deleteFrom('rate_limit_events').execute();
      await app.mailroom.deps.db.deleteFrom('leases').execute();
    });
    after(async () => {
      await app?.stop();
    });

    test('300 anonymous views of the sign-in page store no session', async () => {
      for (let round = 0; round < 15; round++) {
        const statuses = await Promise.all(
          Array.from({ length: 20 }, async () => {
            const res = await fetch(`${app.url}/signin`);
            await res.body?.cancel();
            return res.status;
          }),
        );
        assert.deepEqual(new Set(statuses), new Set([200]));
      }
      assert.equal(await count(app, 'sessions'), 0);
    });

    test('the sign-in form works with the anonymous CSRF token; a forged, missing or foreign one is refused', async () => {
      const browser = new Browser();
      const form = await browser.get(`${app.url}/signin`);
      const fields = { email: STAFF.email, password: STAFF.password };
      const post = (b: Browser, body: Record<string, string>) =>
        b.request(`${app.url}/signin`, { method: 'POST', body: new URLSearchParams(body) });

      assert.equal((await post(browser, { ...fields, _csrf: 'forged' })).status, 403, 'forged');
      assert.equal((await post(browser, fields)).status, 403, 'missing');
      const other = new Browser();
      await other.get(`${app.url}/signin`);
      assert.equal((await post(other, { ...fields, _csrf: csrfOf(form) })).status, 403, 'another browser’s');
      assert.equal((await post(new Browser(), { ...fields, _csrf: csrfOf(form) })).status, 403, 'no cookie');
      assert.equal(await count(app, 'sessions'), 0, 'refusals store nothing either');

      const done = await browser.submit(form, { fields });
      assert.equal(done.status, 302, textOf(done).slice(0, 300));
      const home = await browser.get(`${app.url}/`);
      assert.match(textOf(home), /Hello, Sam Staff/);
      assert.equal(await count(app, 'sessions'), 1, 'the sign-in is kept');
      // Signed in, the session's own token is required: the anonymous one no longer does.
      const signout = await browser.request(`${app.url}/signout`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrfOf(form) }),
      });
      assert.equal(signout.status, 403, 'the anonymous token does not sign a signed-in browser out');
    });

    test('a flash for a browser not signed in is kept, shown once, and the form under it still works', async () => {
      const browser = new Browser();
      const form = await browser.get(`${app.url}/signin`);
      const out = await browser.request(`${app.url}/signout`, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrfOf(form) }),
      });
      assert.equal(out.status, 302);
      assert.equal(await count(app, 'sessions'), 1, 'the flash message is kept in a session');
      const shown = await browser.get(`${app.url}/signin`);
      assert.match(textOf(shown), /You are signed out\./);
      assert.doesNotMatch(textOf(await browser.get(`${app.url}/signin`)), /You are signed out\./);
      const done = await browser.submit(shown, { fields: { email: STAFF.email, password: STAFF.password } });
      assert.equal(done.status, 302);
    });

    test('the purge job deletes expired sessions, abandoned anonymous ones and old rate-limit rows', async () => {
      const { db, log } = app.mailroom.deps;
      const staff = (await findUserByEmail(db, STAFF.email))!;
      const admin = (await findUserByEmail(db, ADMIN.email))!;
      const now = new Date();
      const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
      const session = (name: string, userId: string | null, lastSeen: number, expires: number) => ({
        id_hash: `${name}-${randomBytes(8).toString('hex')}`,
        user_id: userId,
        csrf_token: 'x',
        data: '{}',
        created_at: at(lastSeen),
        last_seen_at: at(lastSeen),
        expires_at: at(expires),
      });
      await db
        .insertInto('sessions')
        .values([
          session('live', staff.id, -1, 119),
          session('expired', admin.id, -130, -10),
          session('anon-in-flow', null, -5, 115),
          session('anon-abandoned', null, -11, 109),
        ])
        .execute();
      await db
        .insertInto('rate_limit_events')
        .values([
          { id: 'recent', bucket: 'signin:account:x', at: at(-1) },
          { id: 'old', bucket: 'signin:account:x', at: at(-16) },
          { id: 'ancient', bucket: 'signin:address:192.0.2.1', at: at(-3 * 24 * 60) },
        ])
        .execute();

      const result = await runPurge({ db, log }, 'worker-a', now);
      assert.deepEqual(result, {
        expiredSessions: 1,
        anonymousSessions: 1,
        rateLimitEvents: 2,
        events: 0,
        failedJobs: 0,
        webhookDeliveries: 0,
      });
      const left = (await db.selectFrom('sessions').select('id_hash').execute()).map(
        (r) => r.id_hash.split('-')[0],
      );
      assert.deepEqual(left.sort(), ['anon', 'live']);
      assert.deepEqual(
        (await db.selectFrom('rate_limit_events').select('id').execute()).map((r) => r.id),
        ['recent'],
      );
      // One worker per interval: another one skips the round, and takes the next.
      assert.equal(await runPurge({ db, log }, 'worker-b', now), null);
      const next = new Date(now.getTime() + PURGE_INTERVAL_MS);
      assert.notEqual(await runPurge({ db, log }, 'worker-b', next), null);
    });

    test('a session whose data does not parse is read as no data and logged, not a failed request', async () => {
      const browser = await signedInBrowser(app.url, STAFF.email, STAFF.password);
      for (const data of ['not json', '{"flash":"not a list"}', '{"flows":{"x":[{"state":1}]}}', 'null']) {
        await app.mailroom.deps.db.updateTable('sessions').set({ data }).execute();
        const logged = app.logs.length;
        const home = await browser.get(`${app.url}/`);
        assert.equal(home.status, 200, data);
        assert.match(textOf(home), /Hello, Sam Staff/, data);
        assert.ok(
          app.logs.slice(logged).some((l) => l.includes('"event":"session.data_invalid"')),
          `${data} is logged`,
        );
      }
    });
  });
}

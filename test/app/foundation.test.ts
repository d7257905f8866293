import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, STAFF, startTestApp, type TestApp } from '../support/app.ts';
import { signedInBrowser, textOf } from '../support/app-browser.ts';
import { DATABASES } from '../support/databases.ts';
import { Browser } from '../support/http-client.ts';

for (const kind of DATABASES) {
  describe(`back-office foundation on ${kind}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind);
    });
    after(async () => {
      await app?.stop();
    });

    test('health and readiness', async () => {
      assert.deepEqual(await (await fetch(`${app.url}/healthz`)).json(), { status: 'ok' });
      assert.deepEqual(await (await fetch(`${app.url}/readyz`)).json(), { status: 'ready', database: kind });
    });

    test('pages need a signed-in user; sign-in gives a new session id, sign-out ends it', async () => {
      const browser = new Browser();
      const home = await browser.get(`${app.url}/`);
      assert.equal(home.status, 302);
      assert.equal(new URL(home.location!).pathname, '/signin');
      const form = await browser.get(`${app.url}/signin`);
      const before = form.headers.getSetCookie().join(';');
      const wrong = await browser.submit(form, { fields: { email: ADMIN.email, password: 'not-it-at-all' } });
      assert.equal(wrong.status, 400);
      assert.match(textOf(wrong), /That e-mail and password do not match an active account\./);
      const done = await browser.submit(wrong, { fields: { email: ADMIN.email, password: ADMIN.password } });
      assert.equal(done.status, 302);
      const after = done.headers.getSetCookie().join(';');
      assert.match(after, /mailroom_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax/);
      assert.notEqual(after.split(';')[0], before.split(';')[0], 'a new session id at sign-in');
      const signedIn = await browser.get(`${app.url}/`);
      assert.equal(signedIn.status, 200);
      assert.match(textOf(signedIn), new RegExp(`Hello, ${ADMIN.displayName}`));
      // Only the hash of the session id is stored.
      const rows = await app.mailroom.deps.db.selectFrom('sessions').select('id_hash').execute();
      const cookieValue = after.split(';')[0]!.split('=')[1]!;
      assert.ok(rows.every((r) => r.id_hash !== cookieValue && /^[0-9a-f]{64}$/.test(r.id_hash)));
      const out = await browser.submit(signedIn, { formIndex: 0 });
      assert.equal(out.status, 302);
      assert.equal((await browser.get(`${app.url}/`)).status, 302);
    });

    test('forms without the CSRF token are refused', async () => {
      const browser = new Browser();
      const page = await browser.get(`${app.url}/signin`);
      const forged = await browser.submit(page, {
        fields: { _csrf: 'forged', email: ADMIN.email, password: ADMIN.password },
      });
      assert.equal(forged.status, 403);
      const staff = await signedInBrowser(app.url, STAFF.email, STAFF.password);
      const api = await staff.request(`${app.url}/api/settings/microsoft/check`, {
        method: 'POST',
        body: new URLSearchParams(),
      });
      assert.equal(api.status, 403);
      assert.equal(JSON.parse(api.html).error.code, 'csrf.invalid');
    });

    test('failed sign-ins are limited per account', async () => {
      const browser = new Browser();
      let page = await browser.get(`${app.url}/signin`);
      for (let i = 0; i < 5; i++)
        page = await browser.submit(page, { fields: { email: STAFF.email, password: `wrong-${i}` } });
      const blocked = await browser.submit(page, {
        fields: { email: STAFF.email, password: STAFF.password },
      });
      assert.equal(blocked.status, 429);
      assert.match(textOf(blocked), /Too many failed attempts/);
      await app.mailroom.deps.db.deleteFrom('rate_limit_events').execute();
    });

    test('API tokens authenticate API calls; they are stored hashed', async () => {
      const admin = await findUserByEmail(app.mailroom.deps.db, ADMIN.email);
      const token = await createApiToken(app.mailroom.deps.db, admin!.id, 'test');
      const me = await fetch(`${app.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { email: string }).email, ADMIN.email);
      const stored = await app.mailroom.deps.db.selectFrom('api_tokens').select('token_hash').execute();
      assert.ok(stored.every((r) => r.token_hash !== token));
      const bad = await fetch(`${app.url}/api/me`, { headers: { authorization: 'Bearer mr_nope' } });
      assert.equal(bad.status, 401);
      assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'auth.required');
      const staff = await findUserByEmail(app.mailroom.deps.db, STAFF.email);
      const staffToken = await createApiToken(app.mailroom.deps.db, staff!.id, 'test');
      const forbidden = await fetch(`${app.url}/api/settings/microsoft`, {
        headers: { authorization: `Bearer ${staffToken}` },
      });
      assert.equal(forbidden.status, 403);
      assert.equal(((await forbidden.json()) as { error: { code: string } }).error.code, 'auth.forbidden');
    });

    test('a session past its idle timeout is over', async () => {
      const browser = await signedInBrowser(app.url, STAFF.email, STAFF.password);
      await app.mailroom.deps.db
        .updateTable('sessions')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .execute();
      assert.equal((await browser.get(`${app.url}/`)).status, 302);
    });
  });
}

for (const kind of DATABASES) {
  describe(`first run on ${kind}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind, {}, { users: false });
    });
    after(async () => {
      await app?.stop();
    });

    test('the first-run page creates the first administrator, then disappears', async () => {
      const browser = new Browser();
      const signin = await browser.get(`${app.url}/signin`);
      assert.equal(new URL(signin.location!).pathname, '/setup');
      const setup = await browser.get(`${app.url}/setup`);
      const invalid = await browser.submit(setup, {
        fields: { displayName: 'Root', email: 'not-an-email', password: 'short' },
      });
      assert.equal(invalid.status, 400);
      assert.match(textOf(invalid), /Enter an e-mail address like name@example\.com\./);
      assert.match(textOf(invalid), /Use at least 12 characters\./);
      const created = await browser.submit(invalid, {
        fields: { displayName: 'Root', email: 'root@mailroom.test', password: 'a-long-password-1' },
      });
      assert.equal(created.status, 302);
      assert.equal(new URL(created.location!).pathname, '/settings/microsoft');
      assert.equal((await browser.get(`${app.url}/settings/microsoft`)).status, 200);
      assert.equal((await new Browser().get(`${app.url}/setup`)).status, 404);
    });
  });
}

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../support/app.ts';
import { csrfOf, textOf } from '../support/app-browser.ts';
import { DATABASES } from '../support/databases.ts';
import { Browser } from '../support/http-client.ts';

// The first-run page creates an administrator without any credential: it must exist only while
// Mailroom has no user at all. Disabling (or deleting) every administrator must not reopen it.

const run = promisify(execFile);

/** `mailroom user create` as an operator runs it on the server, against the app's database. */
const cli = (app: TestApp, args: string[]) =>
  run('npx', ['tsx', 'src/cli.ts', ...args], {
    env: { ...process.env, MAILROOM_ENV: 'test', MAILROOM_LOG_LEVEL: 'silent', ...app.db.env },
  });

/** What an anonymous visitor gets at /setup and /signin, and whether a POST /setup creates anyone. */
const probe = async (app: TestApp) => {
  const browser = new Browser();
  const signin = await browser.get(`${app.url}/signin`);
  const setup = await browser.get(`${app.url}/setup`);
  const users = async () =>
    Number(
      (
        await app.mailroom.deps.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const before = await users();
  const form = signin.status === 200 ? signin : setup;
  const post = await browser.request(`${app.url}/setup`, {
    method: 'POST',
    body: new URLSearchParams({
      _csrf: csrfOf(form),
      displayName: 'Mallory',
      email: `mallory-${before}@evil.example`,
      password: 'a-long-password-1',
    }),
  });
  return { signin, setup, post, created: (await users()) - before };
};

const assertClosed = async (app: TestApp, why: string) => {
  const { signin, setup, post, created } = await probe(app);
  assert.equal(signin.status, 200, `${why}: /signin shows the sign-in form, not ${signin.location}`);
  assert.equal(setup.status, 404, `${why}: GET /setup is closed`);
  assert.equal(post.status, 404, `${why}: POST /setup is closed`);
  assert.equal(created, 0, `${why}: nobody was created`);
};

for (const kind of DATABASES) {
  describe(`the first-run page on ${kind}`, () => {
    let app: TestApp;
    before(async () => {
      app = await startTestApp(kind);
    });
    after(async () => {
      await app?.stop();
    });

    test('stays closed when every administrator is disabled, or only staff are left', async () => {
      const db = app.mailroom.deps.db;
      await assertClosed(app, 'an active administrator');
      await db.updateTable('users').set({ disabled: 1 }).where('role', '=', 'administrator').execute();
      await assertClosed(app, 'every administrator disabled');
      await db.updateTable('users').set({ disabled: 1 }).execute();
      await assertClosed(app, 'every user disabled');
      await db.deleteFrom('users').where('role', '=', 'administrator').execute();
      await assertClosed(app, 'only (disabled) staff left');
      const closed = await new Browser().get(`${app.url}/setup`);
      assert.match(textOf(closed), /mailroom user create --admin/, 'the closed page names the way back');
    });

    test('`mailroom user create --admin` is the way back', async () => {
      const { stdout } = await cli(app, [
        'user',
        'create',
        '--email',
        'rescue@mailroom.test',
        '--name',
        'Rescue Admin',
        '--admin',
      ]);
      const password = /Password \(shown once\): (\S+)/.exec(stdout)?.[1];
      assert.ok(password, stdout);
      const browser = new Browser();
      const page = await browser.get(`${app.url}/signin`);
      const done = await browser.submit(page, { fields: { email: 'rescue@mailroom.test', password } });
      assert.equal(done.status, 302, textOf(done).slice(0, 300));
      assert.match(textOf(await browser.get(`${app.url}/`)), /Hello, Rescue Admin/);
    });

    test('opens on an empty users table, and only then', async () => {
      await app.mailroom.deps.db.deleteFrom('users').execute();
      const { signin, setup } = await probe(app);
      assert.equal(new URL(signin.location ?? '/', app.url).pathname, '/setup');
      assert.equal(setup.status, 200);
      // probe's POST created the first administrator: the page is gone again.
      await assertClosed(app, 'after the first administrator');
    });
  });
}

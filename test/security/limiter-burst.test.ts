import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { clientAddress, trustedProxies } from '../../src/http/client-address.ts';
import { SIGNIN_PER_ACCOUNT } from '../../src/http/rate-limit.ts';
import { signInWithPassword } from '../../src/users/password-signin.ts';
import { STAFF, startTestApp, type TestApp } from '../support/app.ts';
import { csrfOf } from '../support/app-browser.ts';
import { DATABASES } from '../support/databases.ts';
import { Browser } from '../support/http-client.ts';

// Failed password sign-ins are limited to 5 per account and 20 per client address in 15 minutes. The
// limit must hold against a burst (every attempt is recorded before its password is checked) and the
// client address must not be whatever the client claims in X-Forwarded-For.

/** A sign-in form's cookie and CSRF token, to POST /signin many times at once as one browser. */
const signinForm = async (app: TestApp) => {
  const browser = new Browser();
  const page = await browser.get(`${app.url}/signin`);
  const cookie = page.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  const csrf = csrfOf(page);
  return (fields: { email: string; password: string }, headers: Record<string, string> = {}) =>
    fetch(`${app.url}/signin`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ _csrf: csrf, ...fields }),
    }).then(async (res) => {
      await res.body?.cancel();
      return res.status;
    });
};

const tally = (statuses: number[]) => ({
  checked: statuses.filter((s) => s === 400).length,
  limited: statuses.filter((s) => s === 429).length,
  other: statuses.filter((s) => s !== 400 && s !== 429),
});

const buckets = async (app: TestApp) =>
  (
    await app.mailroom.deps.db
      .selectFrom('rate_limit_events')
      .select('bucket')
      .where('bucket', 'like', 'signin:address:%')
      .execute()
  ).map((r) => r.bucket);

test('MAILROOM_TRUST_PROXY takes addresses and CIDR ranges, nothing else', () => {
  const config = parseConfig({ MAILROOM_TRUST_PROXY: ' 10.0.0.5, 192.168.0.0/16 ,fd00::/8' });
  assert.deepEqual(config.trustProxy, ['10.0.0.5', '192.168.0.0/16', 'fd00::/8']);
  assert.deepEqual(parseConfig({}).trustProxy, []);
  for (const bad of ['proxy.internal', '10.0.0.0/33', '*', '10.0.0.1:8080'])
    assert.throws(() => parseConfig({ MAILROOM_TRUST_PROXY: bad }), ConfigError, bad);
});

test('clientAddress: the rightmost untrusted hop, only behind a trusted peer', () => {
  const proxies = trustedProxies({ trustProxy: ['10.0.0.0/8', '::1'] });
  for (const [socket, header, client] of [
    ['203.0.113.1', '198.51.100.1', '203.0.113.1'],
    ['::ffff:10.0.0.2', '198.51.100.1', '198.51.100.1'],
    ['::1', '198.51.100.1, 10.9.9.9', '198.51.100.1'],
    ['10.0.0.2', '6.6.6.6, 198.51.100.1, 10.0.0.3', '198.51.100.1'],
    ['10.0.0.2', '10.0.0.4, 10.0.0.3', '10.0.0.4'],
    ['10.0.0.2', '198.51.100.1, <script>', '10.0.0.2'],
    ['10.0.0.2', `${'1'.repeat(5000)}`, '10.0.0.2'],
    ['10.0.0.2', undefined, '10.0.0.2'],
  ] as const)
    assert.equal(clientAddress(proxies, socket, header), client, `${socket} ${header?.slice(0, 40)}`);
  assert.equal(clientAddress(null, '10.0.0.2', '198.51.100.1'), '10.0.0.2');
});

for (const kind of DATABASES) {
  describe(`the password limit on ${kind}`, () => {
    let app: TestApp;
    let proxied: TestApp;
    before(async () => {
      app = await startTestApp(kind);
      proxied = await startTestApp(kind, { MAILROOM_TRUST_PROXY: '127.0.0.0/8, 10.0.0.0/8, ::1' });
    });
    beforeEach(async () => {
      for (const a of [app, proxied]) await a.mailroom.deps.db.deleteFrom('rate_limit_events').execute();
    });
    after(async () => {
      await app?.stop();
      await proxied?.stop();
    });

    test('30 wrong passwords at once: at most 5 are checked, then even the right one is refused', async (t) => {
      const post = await signinForm(app);
      const burst = await Promise.all(
        Array.from({ length: 30 }, (_, i) => post({ email: STAFF.email, password: `wrong-${i}` })),
      );
      const { checked, limited, other } = tally(burst);
      t.diagnostic(`${checked} checked, ${limited} refused unchecked`);
      assert.deepEqual(other, [], 'every answer is invalid_credentials (400) or rate_limited (429)');
      assert.ok(checked <= SIGNIN_PER_ACCOUNT.max, `${checked} passwords were checked, at most 5 may be`);
      assert.equal(checked + limited, 30);
      // Racing attempts may refuse one another, so fewer than 5 may have been checked: the rest of the
      // budget is still there, and once it is spent even the right password is refused.
      for (let i = checked; i < SIGNIN_PER_ACCOUNT.max; i++)
        assert.equal(await post({ email: STAFF.email, password: `wrong-again-${i}` }), 400);
      assert.equal(await post({ email: STAFF.email, password: STAFF.password }), 429, 'the right password');
      // Refused attempts take their rows back out: a flood stores no more than the checked attempts.
      const stored = await app.mailroom.deps.db
        .selectFrom('rate_limit_events')
        .select('bucket')
        .where('bucket', '=', `signin:account:${STAFF.email}`)
        .execute();
      assert.equal(
        stored.length,
        SIGNIN_PER_ACCOUNT.max,
        'rows kept for the account: the checked attempts only',
      );

      // Past the window the account opens again (a clock passed in, not a wait).
      const later = new Date(Date.now() + SIGNIN_PER_ACCOUNT.windowMs + 1000);
      const db = app.mailroom.deps.db;
      assert.equal((await signInWithPassword(db, STAFF.email, STAFF.password, '192.0.2.1', later)).ok, true);
    });

    test('a successful sign-in clears the account’s failures, as before', async () => {
      const post = await signinForm(app);
      for (let i = 0; i < 4; i++) assert.equal(await post({ email: STAFF.email, password: `no-${i}` }), 400);
      assert.equal(await post({ email: STAFF.email, password: STAFF.password }), 302);
      const again = await signinForm(app);
      for (let i = 0; i < 5; i++) assert.equal(await again({ email: STAFF.email, password: `no-${i}` }), 400);
      assert.equal(await again({ email: STAFF.email, password: STAFF.password }), 429);
    });

    test('X-Forwarded-For is ignored unless MAILROOM_TRUST_PROXY names the proxy', async () => {
      const post = await signinForm(app);
      const spoofed = { 'x-forwarded-for': '203.0.113.7' };
      assert.equal(await post({ email: 'nobody-1@mailroom.test', password: 'x' }, spoofed), 400);
      assert.deepEqual(await buckets(app), ['signin:address:127.0.0.1']);
      // Rotating the header does not escape the per-address limit (20).
      for (let i = 2; i <= 20; i++)
        await post(
          { email: `nobody-${i}@mailroom.test`, password: 'x' },
          { 'x-forwarded-for': `203.0.113.${i}` },
        );
      assert.equal(
        await post(
          { email: 'nobody-21@mailroom.test', password: 'x' },
          { 'x-forwarded-for': '198.51.100.1' },
        ),
        429,
      );
    });

    test('behind a trusted proxy, the client is the rightmost hop the proxies did not add', async () => {
      const post = await signinForm(proxied);
      const cases = [
        ['203.0.113.7', '203.0.113.7'],
        ['1.2.3.4, 203.0.113.8', '203.0.113.8'],
        ['1.2.3.4, 203.0.113.9, 10.0.0.2', '203.0.113.9'],
        ['2001:db8::1', '2001:db8::1'],
        ['not-an-address', '127.0.0.1'],
        ['10.0.0.3, 10.0.0.2', '10.0.0.3'],
      ] as const;
      for (const [header, client] of cases) {
        await proxied.mailroom.deps.db.deleteFrom('rate_limit_events').execute();
        assert.equal(
          await post({ email: 'nobody@mailroom.test', password: 'x' }, { 'x-forwarded-for': header }),
          400,
        );
        assert.deepEqual(await buckets(proxied), [`signin:address:${client}`], header);
      }
      await proxied.mailroom.deps.db.deleteFrom('rate_limit_events').execute();
      // The per-address limit now applies to each client behind the proxy, not to the proxy.
      for (let i = 1; i <= 20; i++)
        await post(
          { email: `nobody-${i}@mailroom.test`, password: 'x' },
          { 'x-forwarded-for': '203.0.113.50' },
        );
      const headers = (ip: string) => ({ 'x-forwarded-for': ip });
      assert.equal(
        await post({ email: 'nobody-21@mailroom.test', password: 'x' }, headers('203.0.113.50')),
        429,
      );
      assert.equal(
        await post({ email: 'nobody-22@mailroom.test', password: 'x' }, headers('203.0.113.51')),
        400,
      );
    });
  });
}

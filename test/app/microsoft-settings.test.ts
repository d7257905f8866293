import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { signedInBrowser, textOf } from '../support/app-browser.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { Browser, completeSignIn, type Page, parseForms } from '../support/http-client.ts';
import { fetchWith, trustingAgent } from '../support/tls-fetch.ts';

type Json = Record<string, any>; // biome-ignore lint/suspicious/noExplicitAny: test JSON

let emu: RunningEmulator;
let otherCa: RunningEmulator;
let silent: Server;
before(async () => {
  [emu, otherCa] = await Promise.all([
    startEmulator({ mail: false }),
    startEmulator({ mail: false, demo: false }),
  ]);
  // Accepts connections and never answers: the timeout case.
  silent = createServer(() => {}).listen(0, '127.0.0.1');
});
after(async () => {
  silent?.close();
  await Promise.all([emu?.stop(), otherCa?.stop()]);
});

for (const kind of DATABASES) {
  describe(`Microsoft 365 settings on ${kind}`, () => {
    let app: TestApp;
    let token: string;
    const responses: string[] = [];
    const api = async (
      method: string,
      path: string,
      body?: unknown,
    ): Promise<{ status: number; json: Json }> => {
      const res = await fetch(`${app.url}/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      responses.push(text);
      return { status: res.status, json: JSON.parse(text) };
    };
    const demo = () => ({
      clientId: DEMO.appId,
      tenant: DEMO.tenantId,
      cloud: 'custom',
      customAuthorityUrl: emu.httpsUrl,
      clientSecret: emu.demo!.appSecret,
    });
    const check = async () => (await api('POST', '/settings/microsoft/check')).json;

    before(async () => {
      app = await startTestApp(kind, {
        MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
        MAILROOM_HTTP_TIMEOUT_MS: '1500',
      });
      const admin = await findUserByEmail(app.mailroom.deps.db, ADMIN.email);
      token = await createApiToken(app.mailroom.deps.db, admin!.id, 'test');
    });
    after(async () => {
      await app?.stop();
    });

    test('every field is validated with a sentence that says what to fix', async () => {
      const cases: [Json, string, RegExp][] = [
        [{ clientId: 'my-app' }, 'clientId', /is a GUID/],
        [{ tenant: 'not a tenant!' }, 'tenant', /Directory \(tenant\) ID/],
        [{ tenant: 'consumers' }, 'tenant', /work and school accounts only/],
        [{ clientSecret: randomUUID() }, 'clientSecret', /This is the secret’s ID, not its value/],
        [{ clientSecret: 'has spaces in it' }, 'clientSecret', /no spaces/],
        [{ cloud: 'custom', customAuthorityUrl: 'ftp://x' }, 'customAuthorityUrl', /https/],
        [
          { cloud: 'custom', customAuthorityUrl: 'https://login.example.com/tenant/path' },
          'customAuthorityUrl',
          /no path/,
        ],
        [{ cloud: 'mars' }, 'cloud', /./],
        [{ allowedDomains: ['contoso', 'x@y'] }, 'allowedDomains', /domain names/],
        [
          { signinEnabled: true },
          'signinEnabled',
          /Fill in the client ID, the tenant and the client secret first/,
        ],
        [{ syncEnabled: true, clientId: DEMO.appId }, 'syncEnabled', /Fill in/],
      ];
      for (const [body, field, message] of cases) {
        const { status, json } = await api('PUT', '/settings/microsoft', body);
        assert.equal(status, 400, JSON.stringify(body));
        assert.equal(json.error.code, 'settings.invalid');
        assert.match(json.error.fields[field] ?? '', message, `${field} for ${JSON.stringify(body)}`);
      }
      for (const tenant of [DEMO.tenantId, 'contoso.example', 'organizations', 'common']) {
        // Multi-tenant needs its list of allowed directories (issue 11: never every organisation).
        const multi = tenant === 'organizations' || tenant === 'common';
        const body = multi ? { tenant, allowedTenantIds: [DEMO.tenantId] } : { tenant };
        assert.equal((await api('PUT', '/settings/microsoft', body)).status, 200, tenant);
      }
    });

    test('the secret is write-only: stored sealed, never returned, "set on" shown', async () => {
      const saved = await api('PUT', '/settings/microsoft', {
        ...demo(),
        signinEnabled: true,
        allowedDomains: ['contoso.example'],
      });
      assert.equal(saved.status, 200);
      assert.equal(saved.json.clientSecret.set, true);
      assert.equal(saved.json.signinEnabled, true);
      assert.deepEqual(saved.json.redirectUris, {
        signIn: `${app.url}/auth/microsoft/callback`,
        mailboxConnection: `${app.url}/mailboxes/connect/microsoft/callback`,
      });
      const kept = await api('PUT', '/settings/microsoft', {
        ...demo(),
        clientSecret: '',
        signinEnabled: true,
      });
      assert.equal(
        kept.json.clientSecret.setAt,
        saved.json.clientSecret.setAt,
        'an empty secret keeps the stored one',
      );
      const row = await app.mailroom.deps.db
        .selectFrom('microsoft_settings')
        .select('client_secret_encrypted')
        .executeTakeFirstOrThrow();
      assert.match(row.client_secret_encrypted ?? '', /^v1\./);
    });

    test('Check configuration: success with the emulator’s demo app', async () => {
      await api('PUT', '/settings/microsoft', demo());
      const result = await check();
      assert.equal(result.outcome, 'ok', result.message);
      assert.equal(result.ok, true);
    });

    test('Check configuration: each refusal becomes a sentence', async () => {
      const expectOutcome = async (settings: Json, outcome: string, message: RegExp, aadsts?: number) => {
        assert.equal((await api('PUT', '/settings/microsoft', { ...demo(), ...settings })).status, 200);
        const result = await check();
        assert.equal(result.outcome, outcome, result.message);
        assert.match(result.message, message);
        if (aadsts) assert.equal(result.diagnostics.aadsts, aadsts);
        if (aadsts) assert.ok(result.diagnostics.traceId && result.diagnostics.correlationId);
      };
      await expectOutcome(
        { clientSecret: 'Wrong8Q~secretvalue-for-the-demo-app-xyz' },
        'secret_invalid',
        /Paste the secret’s Value, not its Secret ID/,
        7000215,
      );
      const secret = await control(emu, 'POST', `/apps/${DEMO.appId}/secrets`, {});
      await control(emu, 'POST', `/apps/${DEMO.appId}/secrets/${secret.body.id}/expire`);
      await expectOutcome(
        { clientSecret: secret.body.value },
        'secret_expired',
        /has expired \(AADSTS7000222\)/,
        7000222,
      );
      await expectOutcome(
        { clientId: randomUUID() },
        'app_not_found',
        /found no application with client ID/,
        700016,
      );
      await expectOutcome({ tenant: randomUUID() }, 'tenant_not_found', /does not know the directory/, 90002);
      await expectOutcome(
        { customAuthorityUrl: 'https://127.0.0.1:1' },
        'unreachable',
        /could not reach 127\.0\.0\.1:1/,
      );
      const { port } = silent.address() as { port: number };
      await expectOutcome(
        { customAuthorityUrl: `https://127.0.0.1:${port}` },
        'timeout',
        /did not answer within 2 seconds/,
      );
      await expectOutcome({ customAuthorityUrl: otherCa.httpsUrl }, 'tls', /is not trusted/);
      await expectOutcome(
        { tenant: 'organizations', allowedTenantIds: [DEMO.tenantId], allowedDomains: [] },
        'multi_tenant_unverified',
        /names no directory/,
      );
      await expectOutcome(
        { tenant: 'organizations', allowedTenantIds: [DEMO.tenantId], allowedDomains: ['contoso.example'] },
        'ok',
        /configuration works/,
      );
      await control(emu, 'PUT', '/faults/token-endpoint', { status: 429, retryAfterSeconds: 7, count: 1 });
      await expectOutcome({}, 'throttled', /Try again in 7 seconds/);
    });

    test('the settings page shows Redirect URIs, inline errors, and the check result', async () => {
      await api('PUT', '/settings/microsoft', demo());
      const browser = await signedInBrowser(app.url, ADMIN.email, ADMIN.password);
      const page = await browser.get(`${app.url}/settings/microsoft`);
      assert.equal(page.status, 200);
      const text = textOf(page);
      assert.match(page.html, new RegExp(`value="${app.url}/auth/microsoft/callback"`));
      assert.match(page.html, new RegExp(`value="${app.url}/mailboxes/connect/microsoft/callback"`));
      assert.match(text, /Set on .* UTC\. It is never shown again/);
      // Which permissions to add in Azure, for each way Mailroom reaches a mailbox.
      assert.match(text, /API permissions for Azure/);
      assert.match(text, /openid, profile, email, offline_access, User\.Read/);
      assert.match(text, /IMAP\.AccessAsUser\.All, SMTP\.Send/);
      assert.match(text, /Mail\.ReadWrite, Mail\.Send/);
      assert.match(text, /Mail\.ReadWrite\.Shared, Mail\.Send\.Shared/);
      const form = (p: Page) =>
        parseForms(p.html, p.url).findIndex((f) => f.action.endsWith('/settings/microsoft'));
      const invalid = await browser.submit(page, {
        formIndex: form(page),
        fields: { clientId: 'abc', clientSecret: randomUUID() },
      });
      assert.equal(invalid.status, 400);
      assert.match(textOf(invalid), /The Application \(client\) ID is a GUID/);
      assert.match(textOf(invalid), /This is the secret’s ID, not its value/);
      const checkForm = parseForms(page.html, page.url).findIndex((f) => f.action.endsWith('/check'));
      const checked = await browser.submit(page, { formIndex: checkForm });
      assert.match(textOf(checked), /Configuration works\./);
    });

    test('admin consent goes through Microsoft’s consent page and its answer is shown', async () => {
      await api('PUT', '/settings/microsoft', { ...demo(), tenant: DEMO.tenantId });
      const browser = new Browser(fetchWith(trustingAgent(emu.tls.caPem)) as typeof fetch);
      await browser.submit(await browser.get(`${app.url}/signin`), {
        fields: { email: ADMIN.email, password: ADMIN.password },
      });
      const start = await browser.get(`${app.url}/settings/microsoft/admin-consent`);
      const consentUrl = new URL(start.location!);
      assert.equal(
        consentUrl.origin + consentUrl.pathname,
        `${emu.httpsUrl}/${DEMO.tenantId}/v2.0/adminconsent`,
      );
      assert.equal(consentUrl.searchParams.get('redirect_uri'), `${app.url}/auth/microsoft/callback`);
      // The demo app must know Mailroom's Redirect URI, as an administrator registers it in Azure.
      emu.ctx.dir.apps
        .get(DEMO.appId)!
        .redirectUris.push({ uri: `${app.url}/auth/microsoft/callback`, type: 'web' });

      const accepted = await completeSignIn(browser, await browser.get(consentUrl.href), {
        login: `adele@${DEMO.domain}`,
        password: 'Adele-demo-1',
      });
      assert.ok(
        accepted.location?.startsWith(`${app.url}/auth/microsoft/callback?`),
        accepted.location ?? accepted.html.slice(0, 300),
      );
      await browser.get(accepted.location!);
      assert.match(
        textOf(await browser.get(`${app.url}/settings/microsoft`)),
        /Admin consent granted in directory 6f1c3a52/,
      );

      // A replayed answer, or one this browser did not ask for, is refused.
      await browser.get(accepted.location!);
      assert.match(
        textOf(await browser.get(`${app.url}/settings/microsoft`)),
        /does not belong to a request made from this browser/,
      );

      const declined = await completeSignIn(
        browser,
        await browser.get((await browser.get(`${app.url}/settings/microsoft/admin-consent`)).location!),
        { login: `adele@${DEMO.domain}`, password: 'Adele-demo-1' },
        { consent: 'Cancel' },
      );
      await browser.get(declined.location!);
      assert.match(textOf(await browser.get(`${app.url}/settings/microsoft`)), /declined to grant consent/);
    });

    test('the audit log names who changed what, and the secret is in clear text nowhere', async () => {
      const events = await app.mailroom.deps.db.selectFrom('audit_events').selectAll().execute();
      assert.ok(
        events.some((e) => e.action === 'settings.microsoft.updated' && e.actor_email === ADMIN.email),
      );
      const secret = emu.demo!.appSecret;
      const tables = ['microsoft_settings', 'audit_events', 'sessions'] as const;
      for (const table of tables) {
        const rows = await app.mailroom.deps.db.selectFrom(table).selectAll().execute();
        assert.ok(!JSON.stringify(rows).includes(secret), `secret found in ${table}`);
      }
      assert.ok(!app.logs.join('\n').includes(secret), 'secret found in logs');
      assert.ok(!responses.join('\n').includes(secret), 'secret found in an API response');
      if (kind === 'sqlite') {
        const { readFileSync, readdirSync } = await import('node:fs');
        for (const file of readdirSync(app.db.dataDir)) {
          if (file.startsWith('mailroom.db'))
            assert.ok(!readFileSync(`${app.db.dataDir}/${file}`).includes(secret), `secret in ${file}`);
        }
      }
    });
  });
}

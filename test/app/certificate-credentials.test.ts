import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { startCredentialExpiryCheck } from '../../src/jobs/credential-expiry.ts';
import { getAccessToken } from '../../src/mailboxes/access-token.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { writeTokens } from '../../src/mailboxes/token-store.ts';
import { readClientCredential } from '../../src/microsoft/credentials/credential-store.ts';
import { checkCredentialExpiry } from '../../src/microsoft/credentials/expiry.ts';
import { MAILBOX_SCOPES } from '../../src/microsoft/redirect-uris.ts';
import { authorityOf, loadMicrosoftSettings } from '../../src/microsoft/settings.ts';
import { tokenOriginOf } from '../../src/microsoft/token-origin.ts';
import { type LoadedSecrets, loadSecrets } from '../../src/secrets/load-key.ts';
import { rotateSecrets } from '../../src/secrets/rotate.ts';
import { SEALED_COLUMNS, sealedValues } from '../../src/secrets/sealed-columns.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { createUser } from '../../src/users/create-user.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, STAFF, startTestApp, type TestApp } from '../support/app.ts';
import { signedInBrowser, textOf } from '../support/app-browser.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { type Browser, type Page, parseForms } from '../support/http-client.ts';
import { msBrowser, refusalCode, registerRedirectUris, signInWithMicrosoft } from '../support/ms-signin.ts';
import { signInAndGetTokens } from '../support/oauth-flow.ts';
import { waitFor } from '../support/wait-for.ts';

// biome-ignore lint/suspicious/noExplicitAny: test JSON
type Json = Record<string, any>;

const ADELE = `adele@${DEMO.domain}`;

/** An RSA key that belongs to no stored certificate. */
const strayKeyPem = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
const DAY = 86_400_000;

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ mail: false });
});
after(async () => {
  await control(emu, 'POST', '/clock', { offsetMs: 0 });
  await emu?.stop();
});

/** The emulator's clock: what the tests move, and what the expiry check is run against. */
const emulatorNow = async (): Promise<Date> =>
  new Date((await control(emu, 'POST', '/clock', { advanceSeconds: 0 })).body.now);

for (const kind of DATABASES) {
  describe(`Certificate credentials and credential expiry on ${kind}`, () => {
    let app: TestApp;
    let adminToken: string;
    let staffToken: string;
    /** Every answer Mailroom gave in this suite, to look for the private key in. */
    const answers: string[] = [];
    const db = () => app.mailroom.deps.db;

    const call = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${app.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      answers.push(text);
      return { status: res.status, text, json: (text.startsWith('{') ? JSON.parse(text) : {}) as Json };
    };
    const api = (method: string, path: string, body?: unknown) =>
      call(adminToken, method, `/api${path}`, body);
    const configure = async (settings: Json = {}) => {
      const res = await api('PUT', '/settings/microsoft', {
        clientId: DEMO.appId,
        tenant: DEMO.tenantId,
        cloud: 'custom',
        customAuthorityUrl: emu.httpsUrl,
        signinEnabled: true,
        syncEnabled: true,
        allowedDomains: [DEMO.domain],
        // Never connected to here: a custom cloud's tokens are bound to its mail hosts too.
        customImapServer: '127.0.0.1:993',
        customSmtpServer: '127.0.0.1:587',
        ...settings,
      });
      assert.equal(res.status, 200, res.text);
      return res.json;
    };
    const check = async () => (await api('POST', '/settings/microsoft/check')).json;
    const generate = async () => {
      const res = await api('POST', '/settings/microsoft/certificate', { generate: true });
      assert.equal(res.status, 201, res.text);
      return res.json;
    };
    const register = async (pem: string) =>
      assert.equal((await control(emu, 'POST', `/apps/${DEMO.appId}/certificates`, { pem })).status, 201);

    /** A mailbox with tokens from a real sign-in, whose refresh Mailroom then does with its credential. */
    const mailboxWithTokens = async (): Promise<string> => {
      const upn = `cert-${randomUUID().slice(0, 8)}@${DEMO.domain}`;
      const password = `Pw-${randomUUID()}`;
      await control(emu, 'POST', '/users', { tenantId: DEMO.tenantId, upn, password });
      const tokens = await signInAndGetTokens(emu, upn, password, ['openid', ...MAILBOX_SCOPES]);
      const admin = await findUserByEmail(db(), ADMIN.email);
      const mailbox = await insertMailbox(db(), {
        kind: 'user',
        ownerUserId: admin!.id,
        label: null,
        address: upn,
      });
      await writeTokens(db(), app.mailroom.deps.secrets, mailbox.id, {
        accessToken: tokens.accessToken,
        expiresInSeconds: tokens.expiresIn,
        refreshToken: tokens.refreshToken!,
        origin: tokenOriginOf(await loadMicrosoftSettings(db()))!,
      });
      return mailbox.id;
    };
    const mailboxState = (id: string) =>
      db()
        .selectFrom('mailboxes')
        .select(['state', 'state_code', 'state_message'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();

    before(async () => {
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      registerRedirectUris(emu, app);
      const admin = await findUserByEmail(db(), ADMIN.email);
      const staff = await findUserByEmail(db(), STAFF.email);
      adminToken = await createApiToken(db(), admin!.id, 'test');
      staffToken = await createApiToken(db(), staff!.id, 'test');
      await createUser(db(), { email: ADELE, displayName: 'Adele Vance', role: 'staff' });
    });
    after(async () => {
      await control(emu, 'POST', '/clock', { offsetMs: 0 });
      await app?.stop();
    });

    test('the credential fields are validated: a certificate must exist, a secret expiry must be a date', async () => {
      const cases: [Json, string, RegExp][] = [
        [{ credentialKind: 'certificate' }, 'credentialKind', /Generate or upload a certificate first/],
        [{ credentialKind: 'password' }, 'credentialKind', /./],
        [{ assertionAlgorithm: 'HS256' }, 'assertionAlgorithm', /./],
        [{ clientSecretExpiresAt: '31/12/2027' }, 'clientSecretExpiresAt', /YYYY-MM-DD/],
        [{ clientSecretExpiresAt: '2027-02-30' }, 'clientSecretExpiresAt', /YYYY-MM-DD/],
        [{ clientSecretExpiresAt: '9'.repeat(41) }, 'clientSecretExpiresAt', /too long/],
      ];
      for (const [body, field, message] of cases) {
        const res = await api('PUT', '/settings/microsoft', {
          clientId: DEMO.appId,
          tenant: DEMO.tenantId,
          ...body,
        });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.json.error.code, 'settings.invalid');
        assert.match(res.json.error.fields[field] ?? '', message, `${field} for ${JSON.stringify(body)}`);
      }
      const get = await api('GET', '/settings/microsoft');
      assert.equal(get.json.credentialKind, 'secret');
      assert.equal(get.json.certificate, null);
      assert.equal(get.json.credentialExpiry, null);
    });

    test('a certificate Mailroom generates, uploaded in Azure, signs in, refreshes and checks configuration', async () => {
      // A wrong secret stays stored: only the certificate can make these calls work.
      await configure({ clientSecret: 'wrong-secret-value-Q~1' });
      const cert = await generate();
      assert.match(cert.pem, /^-----BEGIN CERTIFICATE-----\n/);
      assert.equal(cert.source, 'generated');
      const years = (Date.parse(cert.notAfter) - Date.parse(cert.notBefore)) / (365 * DAY);
      assert.ok(years > 1.9 && years < 2.1, `valid about two years: ${years}`);
      await register(cert.pem);
      const saved = await configure({ credentialKind: 'certificate' });
      assert.equal(saved.credentialKind, 'certificate');
      assert.equal(saved.certificate.thumbprint, cert.thumbprint);
      assert.deepEqual(saved.credentialExpiry, { kind: 'certificate', expiresAt: cert.notAfter });

      for (const algorithm of ['RS256', 'PS256']) {
        await configure({ credentialKind: 'certificate', assertionAlgorithm: algorithm });
        const checked = await check();
        assert.equal(checked.outcome, 'ok', `${algorithm}: ${checked.message}`);
        assert.match(checked.message, /certificate/);
      }
      await configure({ credentialKind: 'certificate', assertionAlgorithm: 'RS256' });

      const browser = msBrowser(emu);
      const done = await signInWithMicrosoft(browser, app, ADELE);
      assert.equal(done.status, 302, `${refusalCode(done)} ${textOf(done).slice(0, 300)}`);
      assert.match(textOf(await browser.get(`${app.url}/`)), /Hello, Adele Vance/);

      const mailboxId = await mailboxWithTokens();
      const token = await getAccessToken(app.mailroom.deps, mailboxId, { force: true });
      assert.ok(token.length > 20);
      assert.equal((await mailboxState(mailboxId)).state, 'connected');

      // The .cer download is the certificate's DER, the .pem its PEM: what Azure takes.
      const der = await fetch(`${app.url}/settings/microsoft/certificate.cer`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.equal(der.status, 200);
      assert.equal(der.headers.get('content-type'), 'application/pkix-cert');
      const derBody = Buffer.from(await der.arrayBuffer());
      assert.equal(derBody.toString('base64'), cert.pem.replace(/-----[^-]+-----|\s/g, ''));
      const pem = await call(adminToken, 'GET', '/settings/microsoft/certificate.pem');
      assert.equal(pem.text, cert.pem);
    });

    test('a certificate not uploaded in Azure is explained (AADSTS700027), a stale assertion too (AADSTS700024)', async () => {
      const cert = await generate();
      await configure({ credentialKind: 'certificate' });
      const checked = await check();
      assert.equal(checked.outcome, 'certificate_not_registered');
      assert.equal(checked.diagnostics.aadsts, 700027);
      assert.match(checked.message, new RegExp(`Certificates & secrets.*${cert.thumbprint}`));
      const mailboxId = await mailboxWithTokens();
      await assert.rejects(getAccessToken(app.mailroom.deps, mailboxId, { force: true }));
      const refused = await mailboxState(mailboxId);
      assert.equal(refused.state, 'admin_action_required');
      assert.equal(refused.state_code, 'AADSTS700027');
      assert.match(
        refused.state_message ?? '',
        /upload the certificate shown on the Microsoft 365 settings page/,
      );

      // Signing in says the administrator must act, with the code.
      const refusal = await signInWithMicrosoft(msBrowser(emu), app, ADELE);
      assert.equal(refusalCode(refusal), 'signin.app_credential_refused');
      assert.match(textOf(refusal), /AADSTS700027/);

      await register(cert.pem);
      assert.equal((await check()).outcome, 'ok');
      try {
        // Mailroom signs with its own clock; Microsoft's is an hour ahead: the assertion has expired.
        await control(emu, 'POST', '/clock', { advanceSeconds: 3600 });
        const stale = await check();
        assert.equal(stale.outcome, 'assertion_time');
        assert.equal(stale.diagnostics.aadsts, 700024);
        assert.match(stale.message, /clock/);
      } finally {
        await control(emu, 'POST', '/clock', { offsetMs: 0 });
      }
    });

    test('an expired client secret is explained (AADSTS7000222) on Check configuration and on the mailbox', async () => {
      const secret = await control(emu, 'POST', `/apps/${DEMO.appId}/secrets`, { expiresInSeconds: 3600 });
      await configure({ credentialKind: 'secret', clientSecret: secret.body.value });
      assert.equal((await check()).outcome, 'ok');
      const mailboxId = await mailboxWithTokens();
      try {
        await control(emu, 'POST', '/clock', { advanceSeconds: 2 * 3600 });
        const expired = await check();
        assert.equal(expired.outcome, 'secret_expired');
        assert.equal(expired.diagnostics.aadsts, 7000222);
        await assert.rejects(getAccessToken(app.mailroom.deps, mailboxId, { force: true }));
        const state = await mailboxState(mailboxId);
        assert.equal(state.state, 'admin_action_required');
        assert.equal(state.state_code, 'AADSTS7000222');
        assert.match(state.state_message ?? '', /client secret .* has expired/);
      } finally {
        await control(emu, 'POST', '/clock', { offsetMs: 0 });
      }
    });

    test('expiry warnings 30, 14 and 3 days ahead and at expiry: once each, as events and an admin banner; /metrics shows the expiry', async () => {
      await control(emu, 'POST', '/clock', { offsetMs: 0 });
      const start = await emulatorNow();
      const expiresDay = new Date(start.getTime() + 40 * DAY).toISOString().slice(0, 10);
      const saved = await configure({
        credentialKind: 'secret',
        clientSecret: emu.demo!.appSecret,
        clientSecretExpiresAt: expiresDay,
      });
      assert.equal(saved.clientSecret.expiresAt, `${expiresDay}T00:00:00.000Z`);
      const expiresAt = Date.parse(saved.clientSecret.expiresAt);

      const metrics = await fetch(`${app.url}/metrics`).then((r) => r.text());
      assert.match(
        metrics,
        new RegExp(
          `mailroom_credential_expiry_timestamp_seconds\\{credential="secret"\\} ${expiresAt / 1000}\\n`,
        ),
      );

      /** The text of the administrator's banners on an admin page. */
      const banner = async () =>
        [
          ...(await call(adminToken, 'GET', '/mailboxes')).text.matchAll(
            /class="flash (?:error|info) banner"[^>]*>([\s\S]*?)<\/div>/g,
          ),
        ]
          .map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/&rsquo;|&#39;/g, '’'))
          .join(' | ');
      const events = async () =>
        (await api('GET', '/events?limit=100')).json.events.filter((e: Json) =>
          e.type.startsWith('credential.'),
        );
      /** Moves the emulator's clock to `daysLeft` before the expiry and runs the periodic check twice. */
      const at = async (daysLeft: number) => {
        const target = expiresAt - daysLeft * DAY;
        await control(emu, 'POST', '/clock', { offsetMs: target - Date.now() });
        const now = await emulatorNow();
        await checkCredentialExpiry(app.mailroom.deps, now);
        await checkCredentialExpiry(app.mailroom.deps, now);
      };

      await at(31);
      assert.deepEqual(await events(), []);
      assert.doesNotMatch(await banner(), /expires on/);
      const steps: [number, number, RegExp][] = [
        [29.5, 30, /client secret of Mailroom’s app registration expires on \d{4}-\d\d-\d\d, within 30 days/],
        [20, 30, /within 30 days/],
        [13.9, 14, /within 14 days/],
        [2.5, 3, /within 3 days/],
        [-0.1, 0, /expired on .*AADSTS7000222/],
      ];
      const announced: number[] = [];
      for (const [daysLeft, threshold, text] of steps) {
        await at(daysLeft);
        if (!announced.includes(threshold)) announced.push(threshold);
        const seen = await events();
        assert.deepEqual(
          seen.map((e: Json) => e.data.thresholdDays),
          announced,
          `${daysLeft} days left: one event per threshold`,
        );
        assert.equal(seen.at(-1).type, threshold === 0 ? 'credential.expired' : 'credential.expiring');
        assert.equal(seen.at(-1).mailboxId, null);
        assert.equal(seen.at(-1).data.credential, 'secret');
        assert.match(await banner(), text);
        // Not for staff: neither the banner nor the events.
        assert.doesNotMatch((await call(staffToken, 'GET', '/mailboxes')).text, /app registration expire/);
        const staffEvents = await call(staffToken, 'GET', '/api/events?limit=100');
        assert.equal(staffEvents.status, 200);
        assert.ok(!staffEvents.json.events.some((e: Json) => e.type.startsWith('credential.')));
      }
      // A new secret with a later expiry starts afresh: the banner goes.
      const later = new Date(expiresAt + 400 * DAY).toISOString().slice(0, 10);
      await configure({ clientSecret: emu.demo!.appSecret, clientSecretExpiresAt: later });
      await checkCredentialExpiry(app.mailroom.deps, await emulatorNow());
      assert.doesNotMatch(await banner(), /app registration expire/);
      // The periodic job (what `mailroom worker` runs), its clock ten days before the new expiry.
      const stop = startCredentialExpiryCheck(app.mailroom.deps, {
        clock: () => new Date(Date.parse(`${later}T00:00:00Z`) - 10 * DAY),
      });
      try {
        const seen = await waitFor(
          async () => ((await events()).length > announced.length ? await events() : null),
          10_000,
          'the periodic check announced the new secret’s 14 days',
        );
        assert.equal(seen.at(-1).data.thresholdDays, 14);
        assert.equal(seen.at(-1).data.expiresAt, `${later}T00:00:00.000Z`);
      } finally {
        stop();
      }
      assert.match(await banner(), new RegExp(`expires on ${later}, within 14 days`));
      await control(emu, 'POST', '/clock', { offsetMs: 0 });
    });

    test('the private key is sealed, re-sealed by secrets rotate, and never in pages, answers or logs', async () => {
      await generate();
      await configure({ credentialKind: 'certificate' });
      const authority = authorityOf(await loadMicrosoftSettings(db()))!;
      const credential = await readClientCredential(db(), app.mailroom.deps.secrets, authority);
      assert.equal(credential?.kind, 'certificate');
      const key = credential.kind === 'certificate' ? credential.privateKeyPem : '';
      const keyBody = key.replace(/-----[^-]+-----|\s/g, '');
      assert.ok(keyBody.length > 1000);

      const row = await db().selectFrom('microsoft_settings').selectAll().executeTakeFirstOrThrow();
      assert.ok(
        row.certificate_key_encrypted && !row.certificate_key_encrypted.includes(keyBody.slice(0, 40)),
      );

      // `mailroom secrets rotate`: the key is re-sealed under the new key id and still opens.
      const cliDb: Db = openDatabase(app.mailroom.deps.config.database);
      const cli: LoadedSecrets = loadSecrets(app.mailroom.deps.config);
      try {
        const result = await rotateSecrets(cliDb, cli.box, { addKey: () => cli.keyring!.addKey() });
        const column = SEALED_COLUMNS.find((c) => c.column === 'certificate_key_encrypted')!;
        const sealed: string[] = [];
        for await (const v of sealedValues(db(), column)) sealed.push(v.sealed);
        assert.equal(sealed.length, 1);
        assert.equal(app.mailroom.deps.secrets.keyIdOf(sealed[0]!), result.keyId);
        const after = await readClientCredential(db(), app.mailroom.deps.secrets, authority);
        assert.equal(after?.kind === 'certificate' && after.privateKeyPem, key);
        assert.equal((await check()).outcome, 'certificate_not_registered', 'the re-sealed key still signs');
      } finally {
        await cliDb.destroy();
      }

      await call(adminToken, 'GET', '/settings/microsoft');
      await call(adminToken, 'GET', '/settings/microsoft/certificate.pem');
      await api('GET', '/settings/microsoft/certificate');
      await api('GET', '/settings/microsoft');
      for (const [where, texts] of [
        ['answers and pages', answers],
        ['logs', app.logs],
      ] as const) {
        for (const text of texts) {
          assert.ok(!text.includes(keyBody.slice(0, 64)), `the private key appeared in ${where}`);
          assert.ok(
            !/PRIVATE KEY-----/.test(text) || /name="privateKey"/.test(text),
            `a PEM key in ${where}`,
          );
        }
      }
    });

    test('uploading a certificate checks it: PEM, key matches, RSA ≥ 2048, not expired, bounded', async () => {
      const mine = await api('GET', '/settings/microsoft/certificate');
      assert.equal(mine.status, 200);
      const cases: [Json, string][] = [
        [{ certificate: 'nope', privateKey: 'nope' }, 'certificate'],
        [{ certificate: mine.json.pem, privateKey: 'x'.repeat(30_000) }, 'privateKey'],
        [
          {
            certificate: mine.json.pem,
            privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
          },
          'privateKey',
        ],
      ];
      for (const [body, field] of cases) {
        const res = await api('POST', '/settings/microsoft/certificate', body);
        assert.equal(res.status, 400, res.text);
        assert.equal(res.json.error.code, 'certificate.invalid');
        assert.ok(res.json.error.fields[field], `${field}: ${res.text}`);
      }
    });

    test('the settings page: generate, upload with errors per field, choose the certificate, see its expiry', async () => {
      const browser: Browser = await signedInBrowser(app.url, ADMIN.email, ADMIN.password);
      const settingsPage = () => browser.get(`${app.url}/settings/microsoft`);
      const formIndex = (page: Page, action: string) =>
        parseForms(page.html, page.url).findIndex((f) => f.action.endsWith(action));
      const submit = async (page: Page, action: string, fields: Record<string, string> = {}) =>
        browser.submit(page, { formIndex: formIndex(page, action), fields });

      let page = await settingsPage();
      const generated = await submit(page, '/settings/microsoft/certificate/generate');
      assert.equal(generated.status, 302);
      page = await settingsPage();
      const stored = (await loadMicrosoftSettings(db())).certificate!;
      assert.match(
        textOf(page),
        new RegExp(`Certificate generated \\(thumbprint ${stored.thumbprintHex}\\)`),
      );
      assert.match(page.html, new RegExp(stored.thumbprintHex));
      assert.match(page.html, /href="\/settings\/microsoft\/certificate\.cer"/);

      const refused = await submit(page, '/settings/microsoft/certificate/upload', {
        certificate: stored.pem,
        privateKey: strayKeyPem(),
      });
      assert.equal(refused.status, 400);
      assert.match(textOf(refused), /This private key does not belong to the certificate/);
      assert.equal((await loadMicrosoftSettings(db())).certificate?.thumbprintHex, stored.thumbprintHex);

      page = await settingsPage();
      const saved = await submit(page, '/settings/microsoft', { credentialKind: 'certificate' });
      assert.equal(saved.status, 302, textOf(saved).slice(0, 500));
      assert.equal((await loadMicrosoftSettings(db())).credentialKind, 'certificate');
      page = await settingsPage();
      assert.match(textOf(page), new RegExp(`The certificate expires on ${stored.notAfter.slice(0, 10)}`));
      assert.match(page.html, /id="credentialKind-certificate"[^>]*checked/);
      assert.doesNotMatch(page.html, /BEGIN PRIVATE KEY(?!-----\s*\(or)/);
    });

    test('a non-administrator can neither see nor change any of it', async () => {
      for (const [method, path, body] of [
        ['GET', '/api/settings/microsoft'],
        ['PUT', '/api/settings/microsoft', { credentialKind: 'secret' }],
        ['GET', '/api/settings/microsoft/certificate'],
        ['POST', '/api/settings/microsoft/certificate', { generate: true }],
        ['POST', '/api/settings/microsoft/check'],
      ] as const) {
        const res = await call(staffToken, method, path, body);
        assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      }
      for (const path of [
        '/settings/microsoft',
        '/settings/microsoft/certificate.cer',
        '/settings/microsoft/certificate.pem',
      ]) {
        const res = await call(staffToken, 'GET', path);
        assert.equal(res.status, 403, path);
        assert.doesNotMatch(res.text, /BEGIN CERTIFICATE/);
      }
      const before = (await loadMicrosoftSettings(db())).certificate?.thumbprintHex;
      for (const path of [
        '/settings/microsoft/certificate/generate',
        '/settings/microsoft/certificate/upload',
      ]) {
        const res = await call(staffToken, 'POST', path, {});
        assert.equal(res.status, 403, path);
      }
      assert.equal((await loadMicrosoftSettings(db())).certificate?.thumbprintHex, before);
    });
  });
}

import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, SignJWT } from 'jose';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import {
  type CertificateInfo,
  certificateInfo,
  generateCertificate,
  privateKeyOf,
  selfSignedCertificate,
} from '../../src/microsoft/credentials/certificate.ts';
import {
  type AssertionAlgorithm,
  clientAuthentication,
} from '../../src/microsoft/credentials/client-assertion.ts';
import { assertControlError, control } from '../support/control.ts';
import { postForm } from '../support/http-client.ts';
import { tokenUrl } from '../support/oauth-flow.ts';

const DAY = 86_400_000;

let emu: RunningEmulator;
let registered: { info: CertificateInfo; privateKeyPem: string };
let unregistered: { info: CertificateInfo; privateKeyPem: string };

before(async () => {
  emu = await startEmulator({ mail: false });
  [registered, unregistered] = await Promise.all([
    generateCertificate('Mailroom test', new Date()),
    generateCertificate('Not uploaded', new Date()),
  ]);
  const added = await control(emu, 'POST', `/apps/${DEMO.appId}/certificates`, { pem: registered.info.pem });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.equal(added.body.x5t, registered.info.x5t);
});
after(() => emu.stop());

const endpoint = () => tokenUrl(emu, DEMO.tenantId);

/** client_credentials for Graph, authenticated with `fields` (an assertion or a secret). */
const tokenWith = (fields: Record<string, string>) =>
  postForm(endpoint(), {
    grant_type: 'client_credentials',
    scope: 'https://graph.microsoft.com/.default',
    ...fields,
  });

const mailroomAssertion = (
  cert: { info: CertificateInfo; privateKeyPem: string },
  algorithm: AssertionAlgorithm = 'RS256',
  at = new Date(),
  aud = endpoint(),
) =>
  clientAuthentication(
    {
      clientId: DEMO.appId,
      credential: {
        kind: 'certificate',
        privateKeyPem: cert.privateKeyPem,
        x5t: cert.info.x5t,
        x5tS256: cert.info.x5tS256,
        algorithm,
      },
    },
    aud,
    at,
  );

/** A hand-made assertion, for the shapes Mailroom never sends. */
const craft = async (header: Record<string, unknown>, claims: Record<string, unknown>, keyPem: string) => {
  const iat = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({
    jti: randomUUID(),
    iss: DEMO.appId,
    sub: DEMO.appId,
    aud: endpoint(),
    iat,
    nbf: iat,
    exp: iat + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', ...header })
    .sign(privateKeyOf(keyPem));
  return {
    client_id: DEMO.appId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: jwt,
  };
};

const assertAad = (res: { status: number; json: Record<string, unknown> }, code: number, text?: RegExp) => {
  assert.equal(res.status, 401, JSON.stringify(res.json));
  assert.equal(res.json.error, 'invalid_client');
  assert.deepEqual(res.json.error_codes, [code]);
  if (text) assert.match(String(res.json.error_description), text);
};

describe('private_key_jwt client assertions', () => {
  test('RS256 with x5t and PS256 with x5t#S256, signed by an uploaded certificate, get a token', async () => {
    for (const algorithm of ['RS256', 'PS256'] as const) {
      const res = await tokenWith(await mailroomAssertion(registered, algorithm));
      assert.equal(res.status, 200, `${algorithm}: ${JSON.stringify(res.json)}`);
      assert.equal(decodeJwt(String(res.json.access_token)).appidacr, '2', 'certificate: appidacr 2');
    }
    const bySecret = await tokenWith({ client_id: DEMO.appId, client_secret: emu.demo!.appSecret });
    assert.equal(decodeJwt(String(bySecret.json.access_token)).appidacr, '1', 'secret: appidacr 1');
  });

  test('a certificate not uploaded, a kid alone, or a forged signature: AADSTS700027', async () => {
    assertAad(
      await tokenWith(await mailroomAssertion(unregistered)),
      700027,
      new RegExp(
        `not registered on application.*Thumbprint of key used by client: '${unregistered.info.thumbprintHex}'`,
      ),
    );
    assertAad(
      await tokenWith(await craft({ kid: registered.info.x5t }, {}, registered.privateKeyPem)),
      700027,
      /The key was not found/,
    );
    // The registered certificate's thumbprint, signed by another key.
    assertAad(
      await tokenWith(await craft({ x5t: registered.info.x5t }, {}, unregistered.privateKeyPem)),
      700027,
      /failed signature validation/,
    );
  });

  test('a wrong audience is AADSTS700023, an audience array 50027, another issuer 50027', async () => {
    assertAad(
      await tokenWith(
        await mailroomAssertion(registered, 'RS256', new Date(), `${emu.httpUrl}/common/oauth2/v2.0/token`),
      ),
      700023,
    );
    assertAad(
      await tokenWith(
        await craft(
          { x5t: registered.info.x5t },
          { aud: [endpoint(), emu.httpUrl] },
          registered.privateKeyPem,
        ),
      ),
      50027,
    );
    assertAad(
      await tokenWith(
        await craft({ x5t: registered.info.x5t }, { iss: randomUUID() }, registered.privateKeyPem),
      ),
      50027,
    );
  });

  test('the verified domain in the token endpoint is an accepted audience too', async () => {
    const byDomain = tokenUrl(emu, DEMO.domain);
    const res = await postForm(byDomain, {
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
      ...(await mailroomAssertion(registered, 'RS256', new Date(), byDomain)),
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
  });

  test('a stale assertion, and one from the future, on the emulator clock: AADSTS700024', async () => {
    const fields = await mailroomAssertion(registered);
    try {
      await control(emu, 'POST', '/clock', { advanceSeconds: 600 });
      assertAad(
        await tokenWith(fields),
        700024,
        /not within its valid time range\. Current time: .*assertion valid from/,
      );
      await control(emu, 'POST', '/clock', { offsetMs: 0 });
      assertAad(
        await tokenWith(await mailroomAssertion(registered, 'RS256', new Date(Date.now() + 3600_000))),
        700024,
      );
    } finally {
      await control(emu, 'POST', '/clock', { offsetMs: 0 });
    }
  });

  test('a certificate past its end date (keyCredential endDateTime) is AADSTS700027 “key used is expired”', async () => {
    const short = await generateCertificate('Short-lived', new Date());
    const added = await control(emu, 'POST', `/apps/${DEMO.appId}/certificates`, {
      pem: short.info.pem,
      expiresAt: new Date(Date.now() + DAY).toISOString(),
    });
    assert.equal(added.status, 201);
    assert.equal((await tokenWith(await mailroomAssertion(short))).status, 200);
    try {
      await control(emu, 'POST', '/clock', { advanceSeconds: 2 * 86_400 });
      // Signed at the emulator's time, so only the key's expiry is wrong.
      const at = new Date(Date.now() + 2 * DAY);
      assertAad(
        await tokenWith(await mailroomAssertion(short, 'RS256', at)),
        700027,
        /The key used is expired/,
      );
    } finally {
      await control(emu, 'POST', '/clock', { offsetMs: 0 });
    }
  });

  test('a secret expires on the emulator clock: AADSTS7000222', async () => {
    const secret = await control(emu, 'POST', `/apps/${DEMO.appId}/secrets`, { expiresInSeconds: 3600 });
    const fields = { client_id: DEMO.appId, client_secret: secret.body.value as string };
    assert.equal((await tokenWith(fields)).status, 200);
    try {
      await control(emu, 'POST', '/clock', { advanceSeconds: 7200 });
      assertAad(await tokenWith(fields), 7000222, /client secret keys for app '.*' are expired/);
    } finally {
      await control(emu, 'POST', '/clock', { offsetMs: 0 });
    }
  });

  test('the control API refuses what Entra refuses: no certificate, an RSA key under 2048 bits, an unknown app', async () => {
    await assertControlError(
      emu,
      ['POST', `/apps/${DEMO.appId}/certificates`, { pem: 'not a certificate' }],
      400,
      'invalid_request',
    );
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const weak = certificateInfo(
      selfSignedCertificate(privateKey, 'Weak', new Date(), new Date(Date.now() + DAY)),
    );
    await assertControlError(
      emu,
      ['POST', `/apps/${DEMO.appId}/certificates`, { pem: weak.pem }],
      400,
      'invalid_request',
    );
    await assertControlError(
      emu,
      ['POST', `/apps/${randomUUID()}/certificates`, { pem: registered.info.pem }],
      404,
      'not_found',
    );
    const state = await control(emu, 'GET', '/state');
    const demo = state.body.apps.find((a: { appId: string }) => a.appId === DEMO.appId);
    const shown = demo.certificates.find((c: { x5t: string }) => c.x5t === registered.info.x5t);
    assert.equal(shown.thumbprint, registered.info.thumbprintHex);
    assert.equal(shown.expiresAt, registered.info.notAfter);
  });
});

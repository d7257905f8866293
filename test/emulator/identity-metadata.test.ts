import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeProtectedHeader } from 'jose';
import { rotateKeys } from '../../emulator/identity/signing-keys.ts';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { postForm } from '../support/http-client.ts';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ mail: false });
});
after(() => emu.stop());

const getJson = async (path: string) => {
  const res = await fetch(`${emu.httpUrl}${path}`);
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
};

const FIELD_ORDER = [
  'token_endpoint',
  'token_endpoint_auth_methods_supported',
  'jwks_uri',
  'response_modes_supported',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
  'response_types_supported',
  'scopes_supported',
  'issuer',
  'request_uri_parameter_supported',
  'userinfo_endpoint',
  'authorization_endpoint',
  'device_authorization_endpoint',
  'http_logout_supported',
  'frontchannel_logout_supported',
  'end_session_endpoint',
  'claims_supported',
  'kerberos_endpoint',
  'tenant_region_scope',
  'cloud_instance_name',
  'cloud_graph_host_name',
  'msgraph_host',
  'rbac_url',
];

describe('openid-configuration (§2)', () => {
  test('GUID and domain paths: the GUID everywhere, Microsoft’s field order and headers', async () => {
    for (const segment of [DEMO.tenantId, DEMO.domain]) {
      const { status, headers, json } = await getJson(`/${segment}/v2.0/.well-known/openid-configuration`);
      assert.equal(status, 200);
      assert.deepEqual(Object.keys(json), FIELD_ORDER);
      assert.equal(json.issuer, `${emu.httpUrl}/${DEMO.tenantId}/v2.0`);
      assert.equal(json.token_endpoint, `${emu.httpUrl}/${DEMO.tenantId}/oauth2/v2.0/token`);
      assert.equal(json.jwks_uri, `${emu.httpUrl}/${DEMO.tenantId}/discovery/v2.0/keys`);
      assert.equal(json.tenant_region_scope, 'WW');
      assert.equal(headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(headers.get('cache-control'), 'max-age=86400, private');
      assert.equal(headers.get('access-control-allow-origin'), '*');
    }
  });

  test('common and organizations: endpoints with the segment, templated issuer, no region', async () => {
    for (const segment of ['common', 'organizations']) {
      const { json } = await getJson(`/${segment}/v2.0/.well-known/openid-configuration`);
      assert.equal(json.issuer, `${emu.httpUrl}/{tenantid}/v2.0`);
      assert.equal(json.authorization_endpoint, `${emu.httpUrl}/${segment}/oauth2/v2.0/authorize`);
      assert.equal(json.end_session_endpoint, `${emu.httpUrl}/${segment}/oauth2/v2.0/logout`);
      assert.equal(json.tenant_region_scope, null);
    }
  });

  test('unknown tenant: 400 invalid_tenant AADSTS90002 in the §6.6 envelope', async () => {
    const { status, json } = await getJson('/nowhere.example/v2.0/.well-known/openid-configuration');
    assert.equal(status, 400);
    assert.equal(json.error, 'invalid_tenant');
    assert.deepEqual(json.error_codes, [90002]);
    assert.match(String(json.error_description), /^AADSTS90002: Tenant 'nowhere.example' not found\./);
    assert.deepEqual(Object.keys(json), [
      'error',
      'error_description',
      'error_codes',
      'timestamp',
      'trace_id',
      'correlation_id',
      'error_uri',
    ]);
  });
});

describe('keys (§3)', () => {
  test('template issuer for common/organizations, the tenant issuer in the tenant’s document', async () => {
    for (const [segment, issuer] of [
      ['common', `${emu.httpUrl}/{tenantid}/v2.0`],
      ['organizations', `${emu.httpUrl}/{tenantid}/v2.0`],
      [DEMO.tenantId, `${emu.httpUrl}/${DEMO.tenantId}/v2.0`],
      [DEMO.domain, `${emu.httpUrl}/${DEMO.tenantId}/v2.0`],
    ] as const) {
      const { status, json } = await getJson(`/${segment}/discovery/v2.0/keys`);
      assert.equal(status, 200);
      const keys = json.keys as Record<string, unknown>[];
      assert.ok(keys.length >= 2);
      for (const key of keys) {
        assert.equal(key.issuer, issuer);
        assert.equal(key.kid, key.x5t);
        assert.equal(key.kty, 'RSA');
        assert.ok(Array.isArray(key.x5c));
      }
    }
    assert.equal((await getJson('/nowhere.example/discovery/v2.0/keys')).status, 400);
  });

  test('rollover: a new kid is published and signs new tokens', async () => {
    const kids = async () =>
      ((await getJson('/common/discovery/v2.0/keys')).json.keys as { kid: string }[]).map((k) => k.kid);
    const before = await kids();
    const fresh = rotateKeys(emu.ctx.keys);
    const afterRotation = await kids();
    assert.ok(!before.includes(fresh.kid));
    assert.ok(afterRotation.includes(fresh.kid));
    const res = await postForm(`${emu.httpUrl}/${DEMO.tenantId}/oauth2/v2.0/token`, {
      grant_type: 'client_credentials',
      client_id: DEMO.appId,
      client_secret: emu.demo!.appSecret,
      scope: 'https://graph.microsoft.com/.default',
    });
    assert.equal(decodeProtectedHeader(String(res.json.access_token)).kid, fresh.kid);
  });
});

test('instance discovery (§2.4) names the host MSAL asked about', async () => {
  const endpoint = `${emu.httpUrl}/${DEMO.tenantId}/oauth2/v2.0/authorize`;
  const { status, json } = await getJson(
    `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(endpoint)}`,
  );
  assert.equal(status, 200);
  const host = new URL(emu.httpUrl).host;
  assert.equal(
    json.tenant_discovery_endpoint,
    `${emu.httpUrl}/${DEMO.tenantId}/v2.0/.well-known/openid-configuration`,
  );
  const metadata = json.metadata as { aliases: string[] }[];
  assert.ok(metadata.some((m) => m.aliases.includes(host)));
  assert.ok(metadata.some((m) => m.aliases.includes('login.microsoftonline.com')));
});

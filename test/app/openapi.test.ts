import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp('sqlite');
});
after(async () => {
  await app?.stop();
});

test('the OpenAPI document is served and every path it names answers as documented', async () => {
  const doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  };
  assert.equal(doc.openapi, '3.1.0');
  const admin = await findUserByEmail(app.mailroom.deps.db, ADMIN.email);
  const token = await createApiToken(app.mailroom.deps.db, admin!.id, 'openapi');
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const res = await fetch(`${app.url}${path}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(method === 'put' ? { body: JSON.stringify({ tenant: 'organizations' }) } : {}),
      });
      assert.ok(
        String(res.status) in operation.responses,
        `${method.toUpperCase()} ${path} answered ${res.status}`,
      );
    }
  }
});

test('an unknown API path is a JSON 404 with a stable code', async () => {
  const res = await fetch(`${app.url}/api/nothing-here`);
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), {
    error: { code: 'request.not_found', message: 'There is nothing at this address.' },
  });
});

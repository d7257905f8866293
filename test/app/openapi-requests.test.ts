// The request side of the API contract: the OpenAPI document's request bodies and query parameters are
// the zod schemas the routes validate with (http/validate.ts), and the server refuses what they refuse.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jsonBody, queryParameters } from '../../src/api/openapi-helpers.ts';
import { apiRoutes } from '../../src/api/routes.ts';
import { declaredInputOf } from '../../src/http/validate.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  maxLength?: number;
  required?: string[];
  properties?: Record<string, Schema>;
}
interface Parameter {
  name: string;
  in: string;
  schema: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: { 'application/json': { schema: Schema } } };
}
type Paths = Record<string, Record<string, Operation>>;
interface Answer {
  status: number;
  body: { error?: { code: string; message: string; fields?: Record<string, string> } };
}

let app: TestApp;
let token: string;
let paths: Paths;
before(async () => {
  app = await startTestApp('sqlite');
  const admin = await findUserByEmail(app.mailroom.deps.db, ADMIN.email);
  token = await createApiToken(app.mailroom.deps.db, admin!.id, 'openapi-requests');
  paths = ((await (await fetch(`${app.url}/api/openapi.json`)).json()) as { paths: Paths }).paths;
});
after(async () => {
  await app?.stop();
});

/** Hono's `/mailboxes/:id` as the document's `/api/mailboxes/{id}`. */
const documentPath = (route: string) => `/api${route.replace(/:(\w+)/g, '{$1}')}`;

const send = async (method: string, path: string, body?: string, type = 'application/json') => {
  const res = await fetch(`${app.url}${path}`, {
    method: method.toUpperCase(),
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
};

const assertRefused = (answer: Answer, field: string, what: string) => {
  assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
  // request.invalid, or the code a feature had for its fields before this boundary (settings.invalid…).
  assert.match(
    answer.body.error?.code ?? '',
    /^(request|settings|certificate|system_mailbox)\.invalid$/,
    what,
  );
  const named = Object.keys(answer.body.error?.fields ?? {});
  assert.ok(
    named.some((f) => f === field || f.startsWith(`${field}.`)),
    `${what} names ${field}: ${named.join(', ')}`,
  );
};

test('every documented request body and query is the schema its route validates with, and every validated route is documented', () => {
  const declared = apiRoutes(app.mailroom.deps).routes.flatMap((r) => {
    const input = declaredInputOf(r.handler);
    return input ? [{ method: r.method.toLowerCase(), path: documentPath(r.path), input }] : [];
  });
  assert.ok(declared.length >= 15, `routes with a declared input: ${declared.length}`);
  const seen = new Set<string>();
  for (const { method, path, input } of declared) {
    const operation = paths[path]?.[method];
    assert.ok(operation, `${method.toUpperCase()} ${path} is documented`);
    seen.add(`${method} ${path} ${input.target}`);
    if (input.target === 'json')
      assert.deepEqual(operation.requestBody, jsonBody(input.schema, { optional: input.optional }), path);
    else
      assert.deepEqual(
        operation.parameters?.filter((p) => p.in === 'query'),
        queryParameters(input.schema),
        `${method} ${path} query`,
      );
  }
  // The other way: nothing in the document describes a request no schema checks.
  for (const [path, operations] of Object.entries(paths))
    for (const [method, operation] of Object.entries(operations)) {
      if (operation.requestBody)
        assert.ok(seen.has(`${method} ${path} json`), `${method} ${path}: a body no route validates`);
      if (operation.parameters?.some((p) => p.in === 'query'))
        assert.ok(seen.has(`${method} ${path} query`), `${method} ${path}: a query no route validates`);
    }
});

/** A value of the wrong kind for any property the document describes: no request schema takes an object here. */
const WRONG = { wrong: true };

test('a body that breaks its documented schema is a 400 request.invalid naming the field', async () => {
  let checked = 0;
  for (const [path, operations] of Object.entries(paths))
    for (const [method, operation] of Object.entries(operations)) {
      const schema = operation.requestBody?.content['application/json'].schema;
      if (!schema) continue;
      const what = `${method.toUpperCase()} ${path}`;
      const [required] = schema.required ?? [];
      if (required) assertRefused(await send(method, path, '{}'), required, `${what} with {}`);
      const [first] = Object.keys(schema.properties ?? {});
      assert.ok(first, `${what} documents its fields`);
      const body = JSON.stringify({ [first]: WRONG });
      assertRefused(await send(method, path, body), first, `${what} with ${body}`);
      checked++;
    }
  assert.ok(checked >= 10, `operations with a body: ${checked}`);
});

/** A value the parameter's documented schema refuses, or null where it refuses nothing we can write. */
const violating = (schema: Schema): string | null => {
  if (schema.enum) return 'not-one-of-them';
  if (schema.type === 'integer' || schema.type === 'number') return 'many';
  if (schema.pattern) return 'not-a-cursor';
  if (schema.maxLength !== undefined) return 'x'.repeat(schema.maxLength + 1);
  return null;
};

test('a query parameter that breaks its documented schema is a 400 request.invalid naming it', async () => {
  let checked = 0;
  for (const [path, operations] of Object.entries(paths))
    for (const [method, operation] of Object.entries(operations))
      for (const parameter of operation.parameters?.filter((p) => p.in === 'query') ?? []) {
        const value = violating(parameter.schema);
        if (value === null) continue;
        const query = `?${new URLSearchParams({ [parameter.name]: value })}`;
        assertRefused(await send(method, `${path}${query}`), parameter.name, `${method} ${path}${query}`);
        checked++;
      }
  assert.ok(checked >= 8, `query parameters checked: ${checked}`);
});

test('a body that is not JSON, sent as another type, or missing is a 400 with a clear message; an optional one may be left out', async () => {
  const path = '/api/mailboxes/nobody/send-via';
  const cases: [string | undefined, string, RegExp][] = [
    ['{"sendVia": ', 'application/json', /not valid JSON/],
    ['sendVia=graph', 'application/x-www-form-urlencoded', /Content-Type: application\/json/],
    [undefined, 'application/json', /needs a JSON body/],
    ['   ', 'application/json', /needs a JSON body/],
  ];
  for (const [body, type, message] of cases) {
    const answer = await send('put', path, body, type);
    assert.equal(answer.status, 400, `${type} ${body}`);
    assert.equal(answer.body.error?.code, 'request.invalid');
    assert.match(answer.body.error?.message ?? '', message);
  }
  // An optional body left out is its defaults: the route goes on to look the endpoint up.
  const rotated = await send('post', '/api/webhooks/nothing/rotate-secret');
  assert.equal(rotated.status, 404);
  assert.equal(rotated.body.error?.code, 'request.not_found');
});

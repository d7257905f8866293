/**
 * Issue 15 §4, the answer side: every operation of the OpenAPI document is called with real ids in a
 * world made through the real flows (test/support/contract-world.ts), and every JSON answer, the
 * documented errors included, must validate against the document's schema for its status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ContractWorld, startContractWorld } from '../support/contract-world.ts';
import { DATABASES } from '../support/databases.ts';
import { type OpenApiDocument, type Operation, schemaChecker } from '../support/openapi-schemas.ts';
import { type Call, UNKNOWN, type Walks } from '../support/openapi-walk.ts';
import { adminWalks, deletionWalks } from '../support/openapi-walk-admin.ts';
import { mailboxWalks } from '../support/openapi-walk-mailboxes.ts';
import { webhookWalks } from '../support/openapi-walk-webhooks.ts';

const METHODS = new Set(['get', 'put', 'post', 'patch', 'delete']);
const WALKS: Walks = [...mailboxWalks, ...webhookWalks, ...adminWalks, ...deletionWalks];

const operationsOf = (doc: OpenApiDocument): string[] =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.has(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );

/**
 * Whether a documented media range (one type, `image/` with a star, or a star for any) covers the
 * answer's type (RFC 9110 §12.5.1).
 */
const mediaTypeMatches = (range: string, type: string) =>
  range === '*/*' || range === type || (range.endsWith('/*') && type.startsWith(range.slice(0, -1)));

for (const kind of DATABASES) {
  describe(`the OpenAPI document against real answers on ${kind}`, () => {
    let w: ContractWorld;
    let doc: OpenApiDocument;
    let check: ReturnType<typeof schemaChecker>;
    let started = 0;

    const call = async (key: string, operation: Operation, c: Call) => {
      const [method, template] = key.split(' ') as [string, string];
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
        const value = c.params?.[name];
        assert.ok(value, `${key}: no value for {${name}}`);
        return encodeURIComponent(value);
      });
      if (c.status < 300 && operation.requestBody?.required)
        assert.notEqual(c.body, undefined, `${key}: the document requires a body`);
      // A walk that succeeds sends what the document allows: its request body is checked too.
      if (c.status < 300 && c.body !== undefined)
        assert.deepEqual(check.request(method.toLowerCase(), template, c.body), [], `${key}: request body`);
      const token = { admin: w.adeleToken, staff: w.meganToken, sam: w.samToken, anonymous: null }[c.as];
      const res = await fetch(`${w.app.url}${path}${c.query ? `?${c.query}` : ''}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(c.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...c.headers,
        },
        ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
      });
      const text = await res.text();
      const what = `${method} ${path}${c.query ? `?${c.query}` : ''} as ${c.as}`;
      assert.equal(res.status, c.status, `${what}: ${text.slice(0, 500)}`);
      const documented = operation.responses[String(res.status)];
      assert.ok(documented, `${what} answered ${res.status}, which the document does not list`);
      const contentType = res.headers.get('content-type')?.split(';')[0]?.trim() ?? '';
      const media = Object.keys(documented.content ?? {});
      if (media.length === 0) {
        if (res.status === 204) assert.equal(text, '', `${what}: a 204 with a body`);
        return;
      }
      assert.ok(
        media.some((m) => mediaTypeMatches(m, contentType)),
        `${what}: Content-Type ${contentType}, documented ${media.join(', ')}`,
      );
      if (contentType !== 'application/json') return;
      const json = JSON.parse(text);
      const problems = check.response(method.toLowerCase(), template, res.status, json);
      assert.deepEqual(problems, [], `${what}: ${problems.join('; ')}\n${text.slice(0, 800)}`);
      if (c.code) assert.equal(json.error?.code, c.code, what);
      c.after?.(json);
    };

    before(async () => {
      started = Date.now();
      w = await startContractWorld(kind);
      doc = (await (await fetch(`${w.app.url}/api/openapi.json`)).json()) as OpenApiDocument;
      check = schemaChecker(doc);
    });
    after(async () => {
      await w?.stop();
    });

    test('every documented operation has a walk, and every walk a documented operation', () => {
      const documented = operationsOf(doc).sort();
      const walked = [...new Set(WALKS.map(([key]) => key))].sort();
      assert.deepEqual(walked, documented);
    });

    test('the checker refuses an answer its schema does not describe', () => {
      assert.notDeepEqual(check.response('get', '/api/me', 200, { id: 7, role: 'root' }), []);
      assert.notDeepEqual(check.response('get', '/api/me', 401, { error: { code: 'auth.required' } }), []);
      assert.notDeepEqual(check.response('get', '/healthz', 200, 'ok'), [], 'no JSON schema documented');
      const signIn = { error: { code: 'auth.required', message: 'Sign in.' } };
      assert.deepEqual(check.response('get', '/api/me', 401, signIn), []);
      const flags = '/api/mailboxes/{id}/messages/{messageId}';
      assert.notDeepEqual(check.request('patch', flags, { pinned: true }), []);
    });

    test('every operation answers with a documented status and a body its schema accepts', async (t) => {
      const walkStarted = Date.now();
      for (const [key, calls] of WALKS) {
        await t.test(key, async () => {
          const [method, path] = key.split(' ') as [string, string];
          const operation = doc.paths[path]?.[method.toLowerCase()];
          assert.ok(operation, `${key} is not in the document`);
          for (const c of calls(w)) await call(key, operation, c);
        });
      }
      t.diagnostic(
        `${WALKS.length} walks; world ${walkStarted - started} ms, walk ${Date.now() - walkStarted} ms`,
      );
    });

    /** Calls every operation `pick` selects as `c` says; the failures, one line each. */
    const everyOperation = async (
      pick: (operation: Operation, key: string) => Omit<Call, 'params'> | null,
    ): Promise<string[]> => {
      const failures: string[] = [];
      for (const key of operationsOf(doc)) {
        const [method, path] = key.split(' ') as [string, string];
        const operation = doc.paths[path]![method.toLowerCase()]!;
        const c = pick(operation, key);
        if (!c) continue;
        const params = Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, UNKNOWN]));
        await call(key, operation, { ...c, params }).catch((error: Error) => failures.push(error.message));
      }
      return failures;
    };

    test('without credentials, every operation is a documented 401 auth.required', async () => {
      // Changes too: the CSRF check (src/http/auth.ts) tells an API caller with no credentials to sign in.
      const failures = await everyOperation((operation) => {
        if ((operation as { security?: unknown[] }).security?.length === 0) return null;
        return { as: 'anonymous', status: 401, code: 'auth.required' };
      });
      assert.deepEqual(failures, []);
    });

    test('an unknown id in the path is a documented 404', async () => {
      // With the body the walk sent successfully: a route may validate its input before it looks the id up.
      const validBodyOf = (key: string): unknown =>
        WALKS.filter(([k]) => k === key)
          .flatMap(([, calls]) => calls(w))
          .find((c) => c.status < 300 && c.body !== undefined)?.body;
      const failures = await everyOperation((operation, key) =>
        key.includes('{')
          ? { as: 'admin', status: 404, ...(operation.requestBody ? { body: validBodyOf(key) ?? {} } : {}) }
          : null,
      );
      assert.deepEqual(failures, []);
    });
  });
}

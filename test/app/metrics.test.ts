import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { insertMailbox, setMailboxState } from '../../src/mailboxes/repository.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { DATABASES } from '../support/databases.ts';

const TOKEN = 'metrics-token-0123456789';

for (const kind of DATABASES) {
  describe(`/metrics on ${kind}`, () => {
    const apps: TestApp[] = [];
    after(async () => {
      for (const app of apps) await app.stop();
    });

    test('Prometheus text with mailboxes by state, the outbox and the process, to this machine', async () => {
      const app = await startTestApp(kind);
      apps.push(app);
      const db = app.mailroom.deps.db;
      const one = await insertMailbox(db, {
        kind: 'system',
        ownerUserId: null,
        label: 'A',
        address: 'a@x.test',
      });
      await insertMailbox(db, { kind: 'system', ownerUserId: null, label: 'B', address: 'b@x.test' });
      await setMailboxState(db, one.id, { state: 'reconnect_required', code: 'AADSTS50173', message: 'x' });
      await db
        .updateTable('mailboxes')
        .set({ send_problem_code: 'smtp.auth_disabled' })
        .where('id', '=', one.id)
        .execute();
      const res = await fetch(`${app.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      assert.match(text, /^mailroom_mailboxes\{state="reconnect_required"\} 1$/m);
      assert.match(text, /^mailroom_mailboxes\{state="not_connected"\} 1$/m);
      assert.match(text, /^mailroom_mailboxes_send_blocked\{code="smtp\.auth_disabled"\} 1$/m);
      assert.match(text, /^mailroom_outgoing_oldest_queued_seconds 0$/m);
      assert.match(text, /^mailroom_messages_stored 0$/m);
      assert.match(text, /^mailroom_process_resident_memory_bytes \d+/m);
    });

    test('with MAILROOM_METRICS_TOKEN, only its bearer may scrape', async () => {
      const app = await startTestApp(kind, { MAILROOM_METRICS_TOKEN: TOKEN }, { users: false });
      apps.push(app);
      const refused = await fetch(`${app.url}/metrics`);
      assert.equal(refused.status, 403);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'auth.forbidden');
      assert.equal(
        (await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0000000000' } }))
          .status,
        403,
      );
      const ok = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /^mailroom_outgoing_oldest_queued_seconds 0$/m);
      assert.ok(!app.logs.some((line) => line.includes(TOKEN)), 'the token is never logged');
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DATABASES } from '../support/databases.ts';
import { type ReadingWorld, startReadingWorld, untilServerFlag } from '../support/reading-fixture.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered.
type Json = any;

for (const kind of DATABASES) {
  describe(`reading mail over the API on ${kind}`, () => {
    let world: ReadingWorld;
    const api = async (path: string, init: RequestInit = {}, token = world.meganToken) => {
      const res = await fetch(`${world.app.url}/api/mailboxes/${world.mailboxId}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      });
      const type = res.headers.get('content-type') ?? '';
      return { res, body: (type.includes('json') ? await res.json() : null) as Json };
    };
    const list = async (query: string) => (await api(`/messages?${query}`)).body.messages as Json[];
    const idOf = async (subject: string) => (await list(`q=${encodeURIComponent(subject)}`))[0].id as string;
    const copyOf = async (id: string) =>
      world.app.mailroom.deps.db
        .selectFrom('message_locations')
        .select(['path', 'uid', 'seen', 'flagged', 'pending_flags'])
        .where('message_id', '=', id)
        .executeTakeFirstOrThrow();

    before(async () => {
      world = await startReadingWorld(kind);
    });
    after(async () => {
      await world?.stop();
    });

    test('paging with the cursor lists every message once, newest first', async () => {
      const ids: string[] = [];
      const dates: string[] = [];
      let cursor: string | null = null;
      do {
        const { res, body } = await api(`/messages?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200);
        ids.push(...body.messages.map((m: Json) => m.id));
        dates.push(...body.messages.map((m: Json) => m.receivedAt));
        cursor = body.nextCursor;
      } while (cursor);
      assert.equal(ids.length, 26, '20 generated, 5 in INBOX, 1 in Archive');
      assert.equal(new Set(ids).size, 26);
      assert.deepEqual(dates, [...dates].sort().reverse());
      assert.equal((await list('folder=Archive&limit=50')).length, 1);
      assert.equal((await list('folder=INBOX&limit=50')).length, 25);
    });

    test('search over subject, sender, recipients and body', async () => {
      const subjects = async (q: string) => (await list(`q=${encodeURIComponent(q)}`)).map((m) => m.subject);
      assert.deepEqual(await subjects('invoice 2026'), ['Invoice 2026-114']);
      assert.deepEqual(await subjects('zoe@fabrikam'), ['Invoice 2026-114']);
      assert.deepEqual(await subjects('auditor@fabrikam.test'), ['Invoice 2026-114']);
      assert.deepEqual(await subjects('pineapple'), ['Delivery status']);
      assert.deepEqual((await subjects('kickoff')).length, 3);
    });

    test('a message: headers, sanitised HTML, attachments and its thread', async () => {
      const { body: statement } = await api(`/messages/${await idOf('account statement')}`);
      assert.match(statement.html, /Dear customer/);
      assert.doesNotMatch(
        statement.html,
        /script|onerror|onload|javascript:|<form|<iframe|<meta|<base|expression/i,
      );
      assert.doesNotMatch(statement.html, /pixel\.png"/, 'the remote image has no src');
      const { body: invoice } = await api(`/messages/${await idOf('invoice 2026')}`);
      assert.deepEqual(
        invoice.attachments.map((a: Json) => [a.filename, a.contentType]),
        [
          ['invoice.pdf', 'application/pdf'],
          ['page.html', 'text/html'],
          ['Résumé 2026.txt', 'text/plain'],
        ],
      );
      assert.equal(invoice.from.address, 'zoe@fabrikam.test');
      assert.deepEqual(invoice.cc, [{ name: '', address: 'auditor@fabrikam.test' }]);
      const last = (await list('q=kickoff%20message%203'))[0];
      const { body: reply } = await api(`/messages/${last.id}`);
      assert.equal(reply.threadMessageIds.length, 3, 'the thread spans INBOX and Archive');
      assert.equal(reply.threadMessageIds.at(-1), last.id);
      assert.deepEqual(reply.folders, ['Archive']);
    });

    test('an attachment downloads byte for byte, never as HTML', async () => {
      const { body } = await api(`/messages/${await idOf('invoice 2026')}`);
      const [pdf, page] = body.attachments;
      const res = await fetch(
        `${world.app.url}/api/mailboxes/${world.mailboxId}/messages/${body.id}/attachments/${pdf.id}`,
        { headers: { authorization: `Bearer ${world.meganToken}` } },
      );
      assert.equal(res.status, 200);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), world.pdf);
      assert.equal(res.headers.get('content-type'), 'application/pdf');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.match(
        res.headers.get('content-disposition') ?? '',
        /^attachment; .*filename\*=UTF-8''invoice\.pdf$/,
      );
      const html = await api(`/messages/${body.id}/attachments/${page.id}`);
      assert.equal(html.res.headers.get('content-type'), 'application/octet-stream');
      assert.equal((await api(`/messages/${body.id}/attachments/nope`)).res.status, 404);
    });

    test('PATCH seen and flagged: at once in Mailroom, then on the server', async () => {
      const id = await idOf('delivery status');
      const patched = await api(`/messages/${id}`, {
        method: 'PATCH',
        body: JSON.stringify({ seen: true, flagged: true }),
      });
      assert.equal(patched.res.status, 200);
      assert.deepEqual([patched.body.seen, patched.body.flagged], [true, true]);
      const copy = await copyOf(id);
      await untilServerFlag(world.emu, copy, '\\Seen', true);
      await untilServerFlag(world.emu, copy, '\\Flagged', true);
      await api(`/messages/${id}`, { method: 'PATCH', body: JSON.stringify({ seen: false }) });
      await untilServerFlag(world.emu, copy, '\\Seen', false);
      await untilServerFlag(world.emu, copy, '\\Flagged', true);
      for (let i = 0; i < 50 && (await copyOf(id)).pending_flags !== null; i++)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal((await copyOf(id)).pending_flags, null, 'nothing left pending once written');
      assert.deepEqual(
        (await list('unread=true&q=delivery')).map((m) => m.id),
        [id],
      );
      const bad = await api(`/messages/${id}`, { method: 'PATCH', body: JSON.stringify({ seen: 'yes' }) });
      assert.equal(bad.res.status, 400);
      assert.equal(bad.body.error.code, 'request.invalid');
    });

    test('the unread filter pages like the full list', async () => {
      // Two messages read first, so the filter has something to leave out.
      const read = (await list('limit=2')).map((m) => m.id);
      for (const id of read)
        await api(`/messages/${id}`, { method: 'PATCH', body: JSON.stringify({ seen: true }) });
      const unread = await list('unread=true&limit=200');
      const all = await list('limit=200');
      assert.ok(unread.length <= all.length - 2);
      assert.ok(!unread.some((m) => read.includes(m.id)), 'read messages are left out');
      assert.deepEqual(
        unread.map((m) => m.id),
        all.filter((m) => !m.seen).map((m) => m.id),
      );
      const first = await api('/messages?unread=true&limit=3');
      const second = await api(`/messages?unread=true&limit=3&cursor=${first.body.nextCursor}`);
      assert.deepEqual(
        [...first.body.messages, ...second.body.messages].map((m: Json) => m.id),
        unread.slice(0, 6).map((m) => m.id),
      );
    });

    test('another staff member gets 404 for all of it; a bad cursor is a 400', async () => {
      const id = await idOf('invoice 2026');
      const { body } = await api(`/messages/${id}`);
      for (const path of [
        '/messages',
        `/messages/${id}`,
        `/messages/${id}/attachments/${body.attachments[0].id}`,
      ]) {
        const other = await api(path, {}, world.staffToken);
        assert.equal(other.res.status, 404, path);
        assert.equal(other.body.error.code, 'request.not_found');
      }
      const patch = await api(
        `/messages/${id}`,
        { method: 'PATCH', body: '{"seen":true}' },
        world.staffToken,
      );
      assert.equal(patch.res.status, 404);
      const cursor = await api('/messages?cursor=bm90IGEgY3Vyc29y');
      assert.equal(cursor.res.status, 400);
      assert.equal(cursor.body.error.code, 'messages.invalid_cursor');
    });
  });
}

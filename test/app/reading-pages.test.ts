import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { frameCsp } from '../../src/reading/frame-document.ts';
import { ADMIN, STAFF } from '../support/app.ts';
import { signedInBrowser } from '../support/app-browser.ts';
import { DATABASES } from '../support/databases.ts';
import { parseForms } from '../support/http-client.ts';
import { type ReadingWorld, startReadingWorld, untilServerFlag } from '../support/reading-fixture.ts';

for (const kind of DATABASES) {
  describe(`reading mail in the back office on ${kind}`, () => {
    let world: ReadingWorld;
    const page = (path: string) => world.browser.get(`${world.app.url}${path}`);
    const base = () => `/mail/${world.mailboxId}`;
    const idOf = async (subject: string) => {
      const html = (await page(`${base()}?q=${encodeURIComponent(subject)}`)).html;
      const id = /data-message-id="([^"]+)"/.exec(html)?.[1];
      assert.ok(id, `no message "${subject}"`);
      return id;
    };
    const copyOf = (id: string) =>
      world.app.mailroom.deps.db
        .selectFrom('message_locations')
        .select(['path', 'uid', 'seen'])
        .where('message_id', '=', id)
        .executeTakeFirstOrThrow();
    const unreadCount = (html: string, folder: string) =>
      Number(
        new RegExp(`data-folder="${folder}"[^>]*>[^<]*<span class="count"[^>]*>(\\d+)<`).exec(html)?.[1] ?? 0,
      );

    before(async () => {
      world = await startReadingWorld(kind);
    });
    after(async () => {
      await world?.stop();
    });

    test('/mail lists the mailbox with its synced folders and unread counts', async () => {
      const mail = await page('/mail');
      assert.equal(mail.status, 200);
      assert.equal(unreadCount(mail.html, 'INBOX'), 25);
      assert.equal(unreadCount(mail.html, 'Archive'), 1);
    });

    test('the list: newest first, unread in bold, search, a folder', async () => {
      const list = await page(base());
      assert.equal((list.html.match(/<tr class="unread" data-message-id=/g) ?? []).length, 26);
      assert.doesNotMatch(list.html, /Older messages/);
      const found = await page(`${base()}?q=pineapple`);
      assert.equal((found.html.match(/data-message-id=/g) ?? []).length, 1);
      assert.match(found.html, /Delivery status/);
      const archive = await page(`${base()}?folder=Archive`);
      assert.equal((archive.html.match(/data-message-id=/g) ?? []).length, 1);
      assert.match(archive.html, /Re: Project kickoff/);
    });

    test('opening a message and its read receipt read it, here and on the server; Mark unread takes it back', async () => {
      const id = await idOf('invoice 2026');
      const opened = await page(`${base()}/messages/${id}`);
      assert.equal(opened.status, 200);
      assert.equal((opened.html.match(/\/attachments\/[^"]+" download/g) ?? []).length, 3);
      assert.equal((await copyOf(id)).seen, 0, 'the GET itself marks nothing read');
      // The read receipt: the page's script sends it as the API's PATCH; without a script, this form.
      const flags = parseForms(opened.html, opened.url).findIndex((f) => f.action.endsWith('/flags'));
      const read = await world.browser.submit(opened, { formIndex: flags, button: 'Mark read' });
      assert.equal(read.status, 302);
      assert.equal(read.location, `${world.app.url}${base()}/messages/${id}`);
      const copy = await copyOf(id);
      assert.equal(copy.seen, 1);
      await untilServerFlag(world.emu, copy, '\\Seen', true);
      assert.equal(unreadCount((await page('/mail')).html, 'INBOX'), 24);

      const reopened = await page(`${base()}/messages/${id}`);
      const index = parseForms(reopened.html, reopened.url).findIndex((f) => f.action.endsWith('/flags'));
      const back = await world.browser.submit(reopened, { formIndex: index, button: 'Mark unread' });
      assert.equal(back.status, 302);
      assert.equal(back.location, `${world.app.url}${base()}`);
      assert.equal((await copyOf(id)).seen, 0);
      await untilServerFlag(world.emu, copy, '\\Seen', false);
      assert.equal(unreadCount((await page('/mail')).html, 'INBOX'), 25);
    });

    test('a thread of three is shown together, across folders', async () => {
      const id = await idOf('kickoff message 2');
      const html = (await page(`${base()}/messages/${id}`)).html;
      const thread = html.slice(html.indexOf('id="thread"'));
      assert.equal((thread.match(/<li/g) ?? []).length, 3);
      assert.match(thread, /aria-current="page"/);
    });

    test('the body frame: sandboxed, its own strict CSP, sanitised; remote images only when asked', async () => {
      const id = await idOf('account statement');
      const html = (await page(`${base()}/messages/${id}`)).html;
      assert.match(html, /<iframe name="message-body" title="Message" sandbox="" src="[^"]+\/body">/);
      // The tracking pixel and the <style> block's background image.
      assert.match(html, /2 remote images are blocked/);
      const body = await page(`${base()}/messages/${id}/body`);
      assert.equal(body.status, 200);
      assert.equal(body.headers.get('content-security-policy'), frameCsp(false));
      assert.equal(body.headers.get('x-frame-options'), 'SAMEORIGIN');
      assert.equal(body.headers.get('x-content-type-options'), 'nosniff');
      assert.match(body.html, /Dear customer, <b>nothing<\/b> is wrong/);
      assert.doesNotMatch(
        body.html,
        /<script|onerror|onload|javascript:|<form|<iframe|<meta http|<base|expression/i,
      );
      assert.doesNotMatch(body.html, /src="http:\/\/127\.0\.0\.1:9\/pixel\.png"/);
      assert.doesNotMatch(body.html, /pixel\.png\?css/, 'no CSS image while remote images are blocked');
      const images = await page(`${base()}/messages/${id}/body?images=1`);
      assert.equal(images.headers.get('content-security-policy'), frameCsp(true));
      assert.match(images.html, /src="http:\/\/127\.0\.0\.1:9\/pixel\.png"/);
      assert.match(images.html, /url\(http:\/\/127\.0\.0\.1:9\/pixel\.png\?css\)/);
      assert.equal((await page('/mail')).headers.get('x-frame-options'), 'DENY', 'pages stay unframeable');
    });

    test('an attachment downloads byte for byte with the safe headers', async () => {
      const id = await idOf('invoice 2026');
      const html = (await page(`${base()}/messages/${id}`)).html;
      const links = [...html.matchAll(/href="([^"]+\/attachments\/[^"]+)" download/g)].map((m) => m[1]!);
      const pdf = await fetch(`${world.app.url}${links[0]}`, {
        headers: { authorization: `Bearer ${world.meganToken}` },
      });
      assert.deepEqual(Buffer.from(await pdf.arrayBuffer()), world.pdf);
      assert.equal(pdf.headers.get('content-type'), 'application/pdf');
      assert.equal(pdf.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(pdf.headers.get('content-security-policy'), "default-src 'none'; sandbox");
      const page2 = await page(links[1]!);
      assert.equal(page2.headers.get('content-type'), 'application/octet-stream');
      assert.match(page2.headers.get('content-disposition') ?? '', /^attachment; filename="page\.html"/);
      const cv = await page(links[2]!);
      assert.equal(
        cv.headers.get('content-disposition'),
        `attachment; filename="R_sum_ 2026.txt"; filename*=UTF-8''R%C3%A9sum%C3%A9%202026.txt`,
      );
    });

    test('another staff member, or an administrator, cannot read Megan’s mailbox', async () => {
      const id = await idOf('invoice 2026');
      for (const who of [STAFF, ADMIN]) {
        const other = await signedInBrowser(world.app.url, who.email, who.password);
        const mail = await other.get(`${world.app.url}/mail`);
        assert.doesNotMatch(mail.html, new RegExp(world.mailboxId));
        for (const path of [base(), `${base()}/messages/${id}`, `${base()}/messages/${id}/body`]) {
          assert.equal((await other.get(`${world.app.url}${path}`)).status, 404, `${who.email} ${path}`);
        }
      }
    });
  });
}

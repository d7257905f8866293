// Issue 11, item 7: inside a shared mailbox, who may see and who may change what; and no GET changes state.
//
// The people: Megan (staff, writes the outgoing messages), Sam (staff, the colleague who uses support@ too),
// Otto (staff without access to support@) and Adele (administrator, who connected support@).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { storedFolders } from '../../src/mailboxes/folders.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { pushPendingFlags } from '../../src/reading/write-flags.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { createUser } from '../../src/users/create-user.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { STAFF } from '../support/app.ts';
import { csrfOf, signedInBrowser } from '../support/app-browser.ts';
import { control } from '../support/control.ts';
import { customerMessage } from '../support/customer-message.ts';
import { DATABASES } from '../support/databases.ts';
import { type Browser, type Page, parseForms } from '../support/http-client.ts';
import { inEmulatorFolder } from '../support/mail-token.ts';
import { ADELE, LOCAL_PASSWORD, MEGAN, SUPPORT } from '../support/mailbox-setup.ts';
import { type Json, type SendWorld, startSendWorld } from '../support/send-fixture.ts';

type Person = 'writer' | 'colleague' | 'outsider' | 'admin';
const PEOPLE: readonly Person[] = ['writer', 'colleague', 'outsider', 'admin'];
const OTTO = { email: 'otto@mailroom.test', password: 'otto-password-123' };

/** Addresses only Bcc carries: nobody but the writer and administrators may read them. */
const SECRET_BCC = 'confidential@example.org';
const GHOST_BCC = `ghost@${DEMO.domain}`;
const NOBODY = `nobody@${DEMO.domain}`;

const rawMessage = (subject: string) => customerMessage(subject, 'Tue, 01 Dec 2026 10:00:00 +0000');

for (const kind of DATABASES) {
  describe(`shared mailbox permissions on ${kind}`, () => {
    let w: SendWorld;
    const tokens = {} as Record<Person, string>;
    const browsers = {} as Record<Person, Browser>;
    let support: string;
    let personal: string;
    const messages = {} as Record<'pageRead' | 'apiRead' | 'table', string>;
    const outgoing = {} as Record<
      'withBcc' | 'ghost' | 'failedA' | 'failedB' | 'pageRetry' | 'pageDiscard' | 'apiRetry' | 'apiDiscard',
      string
    >;

    const db = () => w.app.mailroom.deps.db;
    const page = (who: Person, path: string) => browsers[who].get(`${w.app.url}${path}`);
    /** A form post as the person's browser, with their session's CSRF token. */
    const post = async (who: Person, path: string, fields: [string, string][] = []): Promise<Page> => {
      const csrf = csrfOf(await page(who, '/'));
      return browsers[who].request(`${w.app.url}${path}`, {
        method: 'POST',
        body: new URLSearchParams([['_csrf', csrf], ...fields]),
      });
    };
    const api = (who: Person, method: string, path: string, body?: unknown) =>
      w.api(tokens[who], method, path, body);
    const messageId = async (subject: string) => {
      const list = await api(
        'admin',
        'GET',
        `/mailboxes/${support}/messages?q=${encodeURIComponent(subject)}`,
      );
      const id = list.json.messages[0]?.id as string | undefined;
      assert.ok(id, `no message “${subject}”`);
      return id;
    };
    const copyOf = (id: string) =>
      db()
        .selectFrom('message_locations')
        .select(['path', 'uid', 'seen', 'pending_flags'])
        .where('message_id', '=', id)
        .executeTakeFirstOrThrow();
    /** The flags Exchange (the emulator's Dovecot) holds for the copy, read with Adele's delegate token. */
    const serverFlags = async (copy: { path: string; uid: number }) =>
      inEmulatorFolder(
        w.emu,
        SUPPORT,
        copy.path,
        async (client) => {
          const message = await client.fetchOne(String(copy.uid), { flags: true }, { uid: true });
          return new Set(message ? message.flags : []);
        },
        ADELE,
      );
    const outgoingRow = (id: string) =>
      db().selectFrom('outgoing_messages').selectAll().where('id', '=', id).executeTakeFirst();

    before(async () => {
      w = await startSendWorld(kind);
      support = w.mailboxes.support;
      personal = w.mailboxes.megan;
      const users = db();
      await createUser(users, {
        email: OTTO.email,
        displayName: 'Otto Outsider',
        password: OTTO.password,
        role: 'staff',
      });
      const sam = (await findUserByEmail(users, STAFF.email))!;
      const megan = (await findUserByEmail(users, MEGAN))!;
      tokens.writer = w.meganToken;
      tokens.admin = w.adeleToken;
      tokens.colleague = await createApiToken(users, sam.id, 'sam');
      tokens.outsider = await createApiToken(users, (await findUserByEmail(users, OTTO.email))!.id, 'otto');
      // support@ for Megan and Sam by name, not for every staff member: Otto stays outside.
      const access = await api('admin', 'PUT', `/system-mailboxes/${support}`, {
        label: 'Support',
        userIds: [megan.id, sam.id],
        roles: [],
      });
      assert.equal(access.status, 200, JSON.stringify(access.json));
      browsers.writer = await signedInBrowser(w.app.url, MEGAN, LOCAL_PASSWORD);
      browsers.colleague = await signedInBrowser(w.app.url, STAFF.email, STAFF.password);
      browsers.outsider = await signedInBrowser(w.app.url, OTTO.email, OTTO.password);
      browsers.admin = await signedInBrowser(w.app.url, ADELE, LOCAL_PASSWORD);

      const subjects = {
        pageRead: 'Shared question one',
        apiRead: 'Shared question two',
        table: 'Shared three',
      };
      const seeded = await control(w.emu, 'POST', '/mail/seed', {
        address: SUPPORT,
        folder: 'INBOX',
        messages: Object.values(subjects).map(rawMessage),
      });
      assert.equal(seeded.status, 201);
      await w.sync(support);
      for (const [key, subject] of Object.entries(subjects))
        messages[key as keyof typeof messages] = await messageId(subject);

      const send = async (body: Json) => (await w.send(tokens.writer, support, { text: 'x', ...body })).id;
      outgoing.withBcc = await send({ to: ['customer@example.net'], bcc: [SECRET_BCC], subject: 'With Bcc' });
      outgoing.ghost = await send({ to: ['customer@example.net'], bcc: [GHOST_BCC], subject: 'Ghost Bcc' });
      for (const key of ['failedA', 'failedB', 'pageRetry', 'pageDiscard', 'apiRetry', 'apiDiscard'] as const)
        outgoing[key] = await send({ to: [NOBODY], subject: `Refused ${key}` });
      assert.equal((await outgoingRow(outgoing.failedA))?.state, 'failed');
      assert.equal((await outgoingRow(outgoing.ghost))?.error_recipient, GHOST_BCC);
    });
    after(async () => {
      await w?.stop();
    });

    test('a folder refresh by someone who does not manage the mailbox is refused and changes nothing', async () => {
      await inEmulatorFolder(w.emu, SUPPORT, 'INBOX', (client) => client.mailboxCreate('Escalations'), ADELE);
      const before = await storedFolders(db(), support);
      assert.ok(!before.some((f) => f.path === 'Escalations'));
      for (const who of ['writer', 'colleague'] as const) {
        assert.equal((await post(who, `/mailboxes/${support}/folders/retrieve`)).status, 403, who);
        const viaGet = await api(who, 'GET', `/mailboxes/${support}/folders?refresh=true`);
        assert.equal(viaGet.status, 400, `${who}: a GET never retrieves`);
        assert.equal((await api(who, 'POST', `/mailboxes/${support}/folders/refresh`)).status, 403, who);
        const detail = await page(who, `/mailboxes/${support}`);
        assert.doesNotMatch(detail.html, /\/folders(\/retrieve)?"/, `${who} is offered no folder form`);
      }
      assert.equal((await api('outsider', 'POST', `/mailboxes/${support}/folders/refresh`)).status, 404);
      assert.deepEqual(await storedFolders(db(), support), before, 'the folder list is unchanged');

      const refreshed = await api('admin', 'POST', `/mailboxes/${support}/folders/refresh`);
      assert.equal(refreshed.status, 200);
      assert.ok(refreshed.json.folders.some((f: Json) => f.path === 'Escalations'));
      assert.deepEqual(
        refreshed.json.folders.filter((f: Json) => f.selected).map((f: Json) => f.path),
        before.filter((f) => f.selected).map((f) => f.path),
        'the ticks are kept',
      );
      assert.equal((await api('writer', 'POST', `/mailboxes/${personal}/folders/refresh`)).status, 200);
      assert.equal((await api('admin', 'POST', `/mailboxes/${personal}/folders/refresh`)).status, 404);
    });

    test('opening a message (page or API) leaves it unread, here and on the server, until the explicit read', async () => {
      for (const id of [messages.pageRead, messages.apiRead])
        for (const who of ['writer', 'colleague', 'admin'] as const) {
          assert.equal((await page(who, `/mail/${support}/messages/${id}`)).status, 200);
          assert.equal((await page(who, `/mail/${support}/messages/${id}/body`)).status, 200);
          assert.equal((await api(who, 'GET', `/mailboxes/${support}/messages/${id}`)).status, 200);
        }
      for (const id of [messages.pageRead, messages.apiRead]) {
        const copy = await copyOf(id);
        assert.deepEqual([copy.seen, copy.pending_flags], [0, null], 'unread in Mailroom, nothing pending');
        // Whatever a GET left pending would be written now: nothing is.
        await pushPendingFlags(w.app.mailroom.deps, (await findMailbox(db(), support))!);
        assert.equal((await serverFlags(copy)).has('\\Seen'), false, 'unread on the server');
      }

      // The page's explicit read (the form a browser's script sends as it loads, or the reader clicks).
      const opened = await page('colleague', `/mail/${support}/messages/${messages.pageRead}`);
      const forms = parseForms(opened.html, opened.url);
      const receipt = forms.findIndex((f) => f.buttons['Mark read']?.value === 'true');
      assert.ok(receipt >= 0, 'the page carries its read receipt form');
      assert.match(
        opened.html,
        new RegExp(`data-read-receipt="/api/mailboxes/${support}/messages/${messages.pageRead}"`),
      );
      const read = await browsers.colleague.submit(opened, { formIndex: receipt, button: 'Mark read' });
      assert.equal(read.status, 302);
      // The API's explicit read.
      const patched = await api('colleague', 'PATCH', `/mailboxes/${support}/messages/${messages.apiRead}`, {
        seen: true,
      });
      assert.equal(patched.status, 200);
      for (const id of [messages.pageRead, messages.apiRead]) {
        const copy = await copyOf(id);
        assert.equal(copy.seen, 1);
        await pushPendingFlags(w.app.mailroom.deps, (await findMailbox(db(), support))!);
        assert.equal((await serverFlags(copy)).has('\\Seen'), true, 'read on the server');
      }
    });

    test('Bcc: only the writer and administrators see it, in the outbox list and item, page and API', async () => {
      const hidden = [SECRET_BCC, GHOST_BCC];
      const shows = (text: string) => hidden.filter((a) => text.includes(a));
      for (const who of ['writer', 'admin'] as const) {
        const item = await api(who, 'GET', `/mailboxes/${support}/outgoing/${outgoing.withBcc}`);
        assert.deepEqual(item.json.bcc, [SECRET_BCC], who);
        const ghost = await api(who, 'GET', `/mailboxes/${support}/outgoing/${outgoing.ghost}`);
        assert.equal(ghost.json.error.recipient, GHOST_BCC, `${who} is told which Bcc was refused`);
        assert.deepEqual(
          shows((await page(who, `/mail/${support}/outbox/${outgoing.withBcc}`)).html),
          [SECRET_BCC],
          who,
        );
        assert.deepEqual(shows((await page(who, `/mail/${support}/outbox`)).html), hidden, who);
      }
      const list = await api('colleague', 'GET', `/mailboxes/${support}/outgoing?limit=200`);
      assert.equal(list.status, 200);
      assert.ok(list.json.outgoing.some((o: Json) => o.id === outgoing.withBcc));
      assert.deepEqual(shows(JSON.stringify(list.json)), [], 'the API list');
      for (const id of [outgoing.withBcc, outgoing.ghost]) {
        const item = await api('colleague', 'GET', `/mailboxes/${support}/outgoing/${id}`);
        assert.equal(item.status, 200);
        assert.deepEqual(item.json.bcc, []);
        assert.deepEqual(shows(JSON.stringify(item.json)), [], 'the API item');
        const itemPage = await page('colleague', `/mail/${support}/outbox/${id}`);
        assert.equal(itemPage.status, 200);
        assert.deepEqual(shows(itemPage.html), [], 'the outbox item page');
      }
      assert.deepEqual(
        shows((await page('colleague', `/mail/${support}/outbox`)).html),
        [],
        'the outbox page',
      );
    });

    test('discard and retry of someone else’s message are refused; its writer or an administrator may', async () => {
      const before = await outgoingRow(outgoing.failedA);
      assert.equal(
        (await api('colleague', 'POST', `/mailboxes/${support}/outgoing/${outgoing.failedA}/retry`)).status,
        403,
      );
      assert.equal(
        (await api('colleague', 'DELETE', `/mailboxes/${support}/outgoing/${outgoing.failedA}`)).status,
        403,
      );
      assert.equal(
        (await post('colleague', `/mail/${support}/outbox/${outgoing.failedA}/retry`)).status,
        403,
      );
      assert.equal(
        (await post('colleague', `/mail/${support}/outbox/${outgoing.failedA}/discard`)).status,
        403,
      );
      assert.equal(
        (await api('outsider', 'POST', `/mailboxes/${support}/outgoing/${outgoing.failedA}/retry`)).status,
        404,
      );
      assert.equal(
        (await api('outsider', 'DELETE', `/mailboxes/${support}/outgoing/${outgoing.failedA}`)).status,
        404,
      );
      assert.deepEqual(await outgoingRow(outgoing.failedA), before, 'the message is as it was');
      const theirs = await page('colleague', `/mail/${support}/outbox/${outgoing.failedA}`);
      assert.ok(
        !parseForms(theirs.html, theirs.url).some((f) => /\/(retry|discard)$/.test(f.action)),
        'the colleague is not offered Retry or Discard',
      );

      assert.equal(
        (await api('writer', 'POST', `/mailboxes/${support}/outgoing/${outgoing.failedA}/retry`)).status,
        202,
      );
      assert.equal((await w.waitFor(support, outgoing.failedA, ['failed'])).attempts, 1);
      assert.equal(
        (await api('admin', 'DELETE', `/mailboxes/${support}/outgoing/${outgoing.failedA}`)).status,
        204,
      );
      assert.equal(await outgoingRow(outgoing.failedA), undefined);
      assert.equal(
        (await api('admin', 'POST', `/mailboxes/${support}/outgoing/${outgoing.failedB}/retry`)).status,
        202,
      );
      await w.waitFor(support, outgoing.failedB, ['failed']);
      assert.equal(
        (await api('writer', 'DELETE', `/mailboxes/${support}/outgoing/${outgoing.failedB}`)).status,
        204,
      );
    });

    /** Every route that takes an id: who asks, and the status they must get. */
    const routes = (): {
      method: string;
      path: string;
      page?: boolean;
      body?: unknown;
      form?: [string, string][];
      expect: Partial<Record<Person, number>>;
    }[] => {
      const S = support;
      const M = messages.table;
      const B = outgoing.withBcc;
      const seeOnly = { writer: 200, colleague: 200, outsider: 404, admin: 200 };
      const manage = (ok: number) => ({ writer: 403, colleague: 403, outsider: 404, admin: ok });
      const adminOnly = (ok?: number) => ({
        writer: 403,
        colleague: 403,
        outsider: 403,
        ...(ok ? { admin: ok } : {}),
      });
      const folders: [string, string][] = [
        ['folders', 'INBOX'],
        ['folders', 'Sent Items'],
      ];
      return [
        // Pages: mailboxes/
        { method: 'GET', path: `/mailboxes/${S}`, page: true, expect: seeOnly },
        { method: 'POST', path: `/mailboxes/${S}/check`, page: true, expect: manage(200) },
        {
          method: 'POST',
          path: `/mailboxes/${S}/sync`,
          page: true,
          expect: { writer: 302, colleague: 302, outsider: 404, admin: 302 },
        },
        { method: 'POST', path: `/mailboxes/${S}/folders/retrieve`, page: true, expect: manage(302) },
        // "Allow Mailroom to use Microsoft Graph": only whoever manages the mailbox starts its consent.
        { method: 'POST', path: `/mailboxes/${S}/graph-consent`, page: true, expect: manage(302) },
        {
          method: 'POST',
          path: `/mailboxes/${personal}/graph-consent`,
          page: true,
          expect: { writer: 302, colleague: 404, outsider: 404, admin: 404 },
        },
        { method: 'POST', path: `/mailboxes/${S}/folders`, page: true, form: folders, expect: manage(302) },
        {
          method: 'POST',
          path: `/mailboxes/${S}/disconnect`,
          page: true,
          expect: { writer: 403, colleague: 403, outsider: 404 },
        },
        {
          method: 'GET',
          path: `/mailboxes/connect/microsoft?mailbox=${S}`,
          page: true,
          expect: { writer: 404, colleague: 404, outsider: 404, admin: 302 },
        },
        { method: 'GET', path: `/settings/system-mailboxes/${S}`, page: true, expect: adminOnly(200) },
        { method: 'POST', path: `/settings/system-mailboxes/${S}`, page: true, expect: adminOnly() },
        {
          method: 'GET',
          path: `/mailboxes/${personal}`,
          page: true,
          expect: { writer: 200, colleague: 404, outsider: 404, admin: 404 },
        },
        // Pages: reading/
        { method: 'GET', path: `/mail/${S}`, page: true, expect: seeOnly },
        { method: 'GET', path: `/mail/${S}/messages/${M}`, page: true, expect: seeOnly },
        { method: 'GET', path: `/mail/${S}/messages/${M}/body`, page: true, expect: seeOnly },
        {
          method: 'GET',
          path: `/mail/${S}/messages/${M}/attachments/none`,
          page: true,
          expect: { writer: 404, colleague: 404, outsider: 404, admin: 404 },
        },
        {
          method: 'POST',
          path: `/mail/${S}/messages/${M}/flags`,
          page: true,
          form: [['flagged', 'true']],
          expect: { writer: 302, colleague: 302, outsider: 404, admin: 302 },
        },
        {
          method: 'GET',
          path: `/mail/${personal}`,
          page: true,
          expect: { writer: 200, colleague: 404, outsider: 404, admin: 404 },
        },
        // Pages: send/
        { method: 'GET', path: `/mail/${S}/compose`, page: true, expect: seeOnly },
        {
          method: 'POST',
          path: `/mail/${S}/compose`,
          page: true,
          form: [['to', 'customer@example.net']],
          expect: { outsider: 404 },
        },
        { method: 'GET', path: `/mail/${S}/outbox`, page: true, expect: seeOnly },
        { method: 'GET', path: `/mail/${S}/outbox/${B}`, page: true, expect: seeOnly },
        {
          method: 'POST',
          path: `/mail/${S}/outbox/${outgoing.pageRetry}/retry`,
          page: true,
          expect: { colleague: 403, outsider: 404, writer: 302 },
        },
        {
          method: 'POST',
          path: `/mail/${S}/outbox/${outgoing.pageDiscard}/discard`,
          page: true,
          expect: { colleague: 403, outsider: 404, admin: 302 },
        },
        // API: mailboxes, folders, sync
        { method: 'GET', path: `/mailboxes/${S}`, expect: seeOnly },
        { method: 'GET', path: `/mailboxes/${S}/folders`, expect: seeOnly },
        {
          method: 'GET',
          path: `/mailboxes/${S}/folders?refresh=true`,
          // The query is refused before any mailbox is looked up, for any id: it tells an outsider nothing.
          expect: { writer: 400, colleague: 400, outsider: 400, admin: 400 },
        },
        { method: 'POST', path: `/mailboxes/${S}/folders/refresh`, expect: manage(200) },
        {
          method: 'PUT',
          path: `/mailboxes/${S}/folders`,
          body: { selected: ['INBOX', 'Sent Items'] },
          expect: manage(200),
        },
        { method: 'POST', path: `/mailboxes/${S}/check`, expect: manage(200) },
        {
          method: 'DELETE',
          path: `/mailboxes/${S}?mail=keep`,
          expect: { writer: 403, colleague: 403, outsider: 404 },
        },
        {
          method: 'POST',
          path: `/mailboxes/${S}/sync`,
          expect: { writer: 202, colleague: 202, outsider: 404, admin: 202 },
        },
        { method: 'GET', path: `/mailboxes/${S}/sync`, expect: seeOnly },
        {
          method: 'GET',
          path: `/mailboxes/${personal}`,
          expect: { writer: 200, colleague: 404, outsider: 404, admin: 404 },
        },
        // API: system mailboxes
        { method: 'GET', path: `/system-mailboxes/${S}`, expect: adminOnly(200) },
        { method: 'PUT', path: `/system-mailboxes/${S}`, body: {}, expect: adminOnly() },
        { method: 'DELETE', path: `/system-mailboxes/${S}`, expect: adminOnly() },
        // API: reading
        { method: 'GET', path: `/mailboxes/${S}/messages`, expect: seeOnly },
        { method: 'GET', path: `/mailboxes/${S}/messages/${M}`, expect: seeOnly },
        {
          method: 'GET',
          path: `/mailboxes/${S}/messages/${M}/attachments/none`,
          expect: { writer: 404, colleague: 404, outsider: 404, admin: 404 },
        },
        { method: 'PATCH', path: `/mailboxes/${S}/messages/${M}`, body: { flagged: true }, expect: seeOnly },
        // API: sending
        {
          method: 'POST',
          path: `/mailboxes/${S}/send`,
          body: { to: ['customer@example.net'], text: 'x' },
          expect: { colleague: 202, outsider: 404 },
        },
        { method: 'GET', path: `/mailboxes/${S}/outgoing`, expect: seeOnly },
        { method: 'GET', path: `/mailboxes/${S}/outgoing/${B}`, expect: seeOnly },
        {
          method: 'POST',
          path: `/mailboxes/${S}/outgoing/${outgoing.apiRetry}/retry`,
          expect: { colleague: 403, outsider: 404, writer: 202 },
        },
        {
          method: 'DELETE',
          path: `/mailboxes/${S}/outgoing/${outgoing.apiDiscard}`,
          expect: { colleague: 403, outsider: 404, admin: 204 },
        },
      ];
    };

    const ask = async (who: Person, route: ReturnType<typeof routes>[number]) =>
      route.page
        ? route.method === 'GET'
          ? (await page(who, route.path)).status
          : (await post(who, route.path, route.form)).status
        : (await api(who, route.method, route.path, route.body)).status;

    test('no GET changes anything: every GET of the table, by everyone, leaves the database as it was', async () => {
      const snapshot = async () => ({
        locations: await db()
          .selectFrom('message_locations')
          .selectAll()
          .orderBy('message_id')
          .orderBy('path')
          .execute(),
        folders: await db()
          .selectFrom('mailbox_folders')
          .selectAll()
          .orderBy('mailbox_id')
          .orderBy('path')
          .execute(),
        outgoing: await db().selectFrom('outgoing_messages').selectAll().orderBy('id').execute(),
        mailboxes: await db()
          .selectFrom('mailboxes')
          .select(['id', 'state', 'state_code', 'enabled'])
          .orderBy('id')
          .execute(),
      });
      const before = await snapshot();
      for (const route of routes().filter((r) => r.method === 'GET'))
        for (const who of PEOPLE) await ask(who, route);
      assert.deepEqual(await snapshot(), before);
    });

    test('the table: for each route that takes an id, each person gets the status the rules give', async () => {
      const wrong: string[] = [];
      for (const route of routes()) {
        // Refusals first, so a success (a discard) does not hide them.
        const order = PEOPLE.filter((p) => route.expect[p] !== undefined).sort(
          (a, b) => Number(route.expect[a]! < 400) - Number(route.expect[b]! < 400),
        );
        for (const who of order) {
          const status = await ask(who, route);
          if (status !== route.expect[who])
            wrong.push(
              `${route.page ? 'page' : 'api'} ${route.method} ${route.path} as ${who}: ${status}, expected ${route.expect[who]}`,
            );
        }
      }
      assert.deepEqual(wrong, []);
    });
  });
}

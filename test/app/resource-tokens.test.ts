import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { getAccessToken } from '../../src/mailboxes/access-token.ts';
import { GRAPH_MAIL_SCOPES } from '../../src/microsoft/redirect-uris.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { ADMIN, startTestApp, type TestApp } from '../support/app.ts';
import { DATABASES } from '../support/databases.ts';
import { configureForMail } from '../support/mailbox-setup.ts';
import { signInAndGetTokens } from '../support/oauth-flow.ts';
import { connectMailboxWithTokens } from '../support/token-mailbox.ts';

const audienceOf = (jwt: string): string =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')).aud as string;

for (const kind of DATABASES) {
  describe(`a mailbox's tokens by resource on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    before(async () => {
      emu = await startEmulator();
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app);
    });
    after(async () => {
      await app?.stop();
      await emu?.stop();
    });

    test('Outlook and Graph tokens come from one refresh token, each refreshed and stored on its own', async () => {
      const deps = app.mailroom.deps;
      const upn = `tokens-${kind}@${DEMO.domain}`;
      const password = 'Tokens-pass-1';
      const owner = await findUserByEmail(deps.db, ADMIN.email);
      const id = await connectMailboxWithTokens(emu, app, { upn, password, ownerUserId: owner!.id, seed: 0 });
      // Graph consented later, as "Allow Mailroom to use Microsoft Graph" will ask (incremental consent).
      await signInAndGetTokens(emu, upn, password, ['openid', ...GRAPH_MAIL_SCOPES]);
      const versionOf = async () =>
        (
          await deps.db
            .selectFrom('mailboxes')
            .select('token_version')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).token_version;

      const outlook = await getAccessToken(deps, id);
      assert.match(audienceOf(outlook), /outlook/i);
      const before = await versionOf();
      const graph = await getAccessToken(deps, id, { resource: 'graph' });
      // Graph's tokens name Graph's app id as their audience, as Entra's do (ms-identity-spec.md §11.2).
      assert.ok(
        ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'].includes(audienceOf(graph)),
        audienceOf(graph),
      );
      assert.equal(await versionOf(), before + 1, 'the Graph refresh rotated the refresh token');
      const row = await deps.db
        .selectFrom('mailbox_access_tokens')
        .selectAll()
        .where('mailbox_id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.resource, 'graph');
      assert.ok(!row.access_token_encrypted.includes(graph), 'sealed');

      // Each is kept: asking again refreshes neither.
      assert.equal(await getAccessToken(deps, id), outlook);
      assert.equal(await getAccessToken(deps, id, { resource: 'graph' }), graph);
      assert.equal(await versionOf(), before + 1);

      // A forced Outlook refresh (the rotated refresh token works) leaves the Graph token as it was.
      const outlook2 = await getAccessToken(deps, id, { force: true });
      assert.notEqual(outlook2, outlook);
      assert.match(audienceOf(outlook2), /outlook/i);
      assert.equal(await getAccessToken(deps, id, { resource: 'graph' }), graph);
      const graph2 = await getAccessToken(deps, id, { resource: 'graph', force: true });
      assert.notEqual(graph2, graph);
      assert.equal(await getAccessToken(deps, id), outlook2);
    });
  });
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byVerdict, mapWithLimit } from '../../src/diagnose/diagnose-all.ts';
import { credentialExpiry } from '../../src/diagnose/steps/credential-expiry.ts';
import { neededPermissions } from '../../src/diagnose/steps/token.ts';
import { audienceFits, decodeTokenClaims, missingPermissions } from '../../src/diagnose/token-claims.ts';
import type { DiagnoseContext } from '../../src/diagnose/types.ts';
import type { Mailbox } from '../../src/mailboxes/mailbox.ts';
import { EMPTY_SETTINGS, type MicrosoftSettings } from '../../src/microsoft/settings.ts';

const jwt = (payload: unknown): string =>
  `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;

test('the payload is read without verifying: aud, scp split, roles, exp; a non-JWT is null', () => {
  assert.deepEqual(
    decodeTokenClaims(
      jwt({ aud: 'https://outlook.office.com', scp: 'IMAP.AccessAsUser.All SMTP.Send', exp: 1_800_000_000 }),
    ),
    {
      aud: 'https://outlook.office.com',
      scp: ['IMAP.AccessAsUser.All', 'SMTP.Send'],
      roles: [],
      expiresAt: '2027-01-15T08:00:00.000Z',
    },
  );
  assert.deepEqual(decodeTokenClaims(jwt({ aud: ['x'], roles: ['IMAP.AccessAsApp', 7] }))?.roles, [
    'IMAP.AccessAsApp',
  ]);
  for (const opaque of ['EwBwA8l6BAAU', 'a.b', 'a.%%%.c', `x.${Buffer.from('[1]').toString('base64url')}.y`])
    assert.equal(decodeTokenClaims(opaque), null, opaque);
});

test('audiences: every identifier of Exchange Online and of Graph, national clouds by host; not the other', () => {
  const table: [string | null, 'outlook' | 'graph', boolean][] = [
    ['https://outlook.office.com', 'outlook', true],
    ['https://outlook.office365.com/', 'outlook', true],
    ['00000002-0000-0ff1-ce00-000000000000', 'outlook', true],
    ['https://outlook.office365.us', 'outlook', true],
    ['https://graph.microsoft.com', 'outlook', false],
    ['00000003-0000-0000-c000-000000000000', 'graph', true],
    ['https://graph.microsoft.com', 'graph', true],
    ['https://outlook.office.com', 'graph', false],
    [null, 'graph', false],
  ];
  for (const [aud, resource, fits] of table)
    assert.equal(audienceFits(aud, resource), fits, `${aud} ${resource}`);
});

test('missing permissions: case-insensitive, ReadWrite covers Read, roles apart from scopes', () => {
  const claims = {
    aud: null,
    scp: ['imap.accessasuser.all', 'Mail.ReadWrite.Shared'],
    roles: ['SMTP.SendAsApp'],
    expiresAt: null,
  };
  assert.deepEqual(
    missingPermissions(claims, { scopes: ['IMAP.AccessAsUser.All', 'SMTP.Send'], roles: [] }),
    ['SMTP.Send'],
  );
  assert.deepEqual(
    missingPermissions(claims, {
      scopes: ['Mail.Read.Shared'],
      roles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
    }),
    ['IMAP.AccessAsApp'],
  );
});

test('Diagnose all runs at most the limit at once, keeps the order, and sorts broken links first', async () => {
  let running = 0;
  let peak = 0;
  const out = await mapWithLimit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4, async (n) => {
    running += 1;
    peak = Math.max(peak, running);
    await new Promise((r) => setImmediate(r));
    running -= 1;
    return n * 2;
  });
  assert.deepEqual(out, [2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
  assert.equal(peak, 4);
  assert.deepEqual(await mapWithLimit([], 4, async () => 1), []);
  const d = (address: string, brokenStep: string | null) => ({
    mailboxId: address,
    address,
    kind: 'user' as const,
    verdict: brokenStep ? ('failed' as const) : ('ok' as const),
    brokenStep,
    steps: [],
    at: '',
  });
  const sorted = [d('a@x', null), d('b@x', 'smtp_auth'), d('c@x', 'imap_login'), d('d@x', 'imap_login')].sort(
    byVerdict,
  );
  assert.deepEqual(
    sorted.map((x) => x.address),
    ['c@x', 'd@x', 'b@x', 'a@x'],
  );
});

test('the recorded expiry of the credential in use: the certificate’s notAfter, else the secret’s entered date', async () => {
  const DAY = 86_400_000;
  const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
  const run = (settings: Partial<MicrosoftSettings>) =>
    credentialExpiry.run({ settings: { ...EMPTY_SETTINGS, ...settings } } as unknown as DiagnoseContext);
  const secret = { clientSecretSetAt: at(-100) };
  assert.equal((await run(secret)).status, 'skipped');
  const far = await run({ ...secret, clientSecretExpiresAt: at(200) });
  assert.deepEqual([far.status, far.code, far.fix], ['ok', null, null]);
  const near = await run({ ...secret, clientSecretExpiresAt: at(5.5) });
  assert.deepEqual([near.status, near.code], ['ok', 'credential.expiring']);
  assert.match(near.message, /client secret expires .* \(in 5 days\)/);
  const past = await run({ ...secret, clientSecretExpiresAt: at(-1) });
  assert.deepEqual([past.status, past.code, past.whoMustAct], ['failed', 'AADSTS7000222', 'administrator']);
  // The certificate in use counts, not the secret's date that is still recorded.
  const certificate = (notAfter: string) =>
    run({
      ...secret,
      clientSecretExpiresAt: at(200),
      credentialKind: 'certificate',
      certificate: { notAfter } as MicrosoftSettings['certificate'],
    });
  const expired = await certificate(at(-3));
  assert.deepEqual([expired.status, expired.code], ['failed', 'AADSTS700027']);
  assert.match(expired.fix ?? '', /Generate a new certificate/);
  assert.equal((await certificate(at(20))).code, 'credential.expiring');
});

test('what the token must carry: delegated scopes for a person’s token, application roles with application access', () => {
  const ctx = (mailbox: Partial<Mailbox>, smtp: boolean) =>
    ({ mailbox: { kind: 'system', access: 'person', ...mailbox }, plan: { smtp, graph: !smtp } }) as Pick<
      DiagnoseContext,
      'mailbox' | 'plan'
    >;
  assert.deepEqual(neededPermissions(ctx({}, true), 'outlook'), {
    scopes: ['IMAP.AccessAsUser.All', 'SMTP.Send'],
    roles: [],
  });
  assert.deepEqual(neededPermissions(ctx({ access: 'application' }, true), 'outlook'), {
    scopes: [],
    roles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
  });
  assert.deepEqual(neededPermissions(ctx({ access: 'application' }, false), 'outlook'), {
    scopes: [],
    roles: ['IMAP.AccessAsApp'],
  });
  assert.deepEqual(neededPermissions(ctx({ access: 'application' }, false), 'graph'), {
    scopes: [],
    roles: ['Mail.ReadWrite', 'Mail.Send'],
  });
});

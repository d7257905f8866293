import { parseArgs } from 'node:util';
import { createUsersInBulk, DEFAULT_BULK_PASSWORD } from './bulk-users.ts';
import { describeEmulator, describeForPeople } from './describe.ts';
import { startEmulator } from './start.ts';
import { DEMO } from './state/demo-seed.ts';

const HELP = `Usage: npm run emulator -- [options]

Starts the offline Microsoft 365 emulator: the identity platform (sign-in, consent, tokens) over HTTP
and HTTPS, Exchange-like IMAP and SMTP, and a demo tenant with users and an app registration.

Options:
  --json                 print the connection details as one JSON object (baseUrl, tenants, apps, users, imap, smtp)
  --http-port N          HTTP port (default 0: any free port)
  --https-port N         HTTPS port (default 0: any free port)
  --profile P            IMAP capability profile: exchange (default; no CONDSTORE/QRESYNC) or rich (all of Dovecot's)
  --redirect-uri URI     a redirect URI for the demo app (repeatable; default: Mailroom on http://localhost:3000)
  --no-mail              start the identity platform only (no Dovecot, no SMTP)
  --no-demo-mail         leave the demo mailboxes empty (by default each demo user's mailbox and
                         support@contoso.example hold six weeks of generated mail)
  --users N              also create N users with mailboxes in the demo tenant Contoso, user1 to userN
                         @contoso.example, password ${DEFAULT_BULK_PASSWORD} (more at run time:
                         POST /_emulator/users/bulk {prefix, count, tenant, password?, start?})
  -h, --help             show this text
`;

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      'http-port': { type: 'string' },
      'https-port': { type: 'string' },
      profile: { type: 'string', default: 'exchange' },
      'redirect-uri': { type: 'string', multiple: true },
      'no-mail': { type: 'boolean', default: false },
      'no-demo-mail': { type: 'boolean', default: false },
      users: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const port = (name: string, value: string | undefined): number => {
    const n = Number(value ?? 0);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`--${name} expects a port number, got ${value}`);
    return n;
  };
  if (values.profile !== 'exchange' && values.profile !== 'rich')
    throw new Error('--profile expects exchange or rich');
  const userCount = Number(values.users ?? 0);
  if (!Number.isInteger(userCount) || userCount < 0 || userCount > 20_000)
    throw new Error(`--users expects a number of users up to 20000, got ${values.users}`);
  const emu = await startEmulator({
    httpPort: port('http-port', values['http-port']),
    httpsPort: port('https-port', values['https-port']),
    mail: values['no-mail'] ? false : { profile: values.profile },
    demoMail: !values['no-demo-mail'],
    ...(values['redirect-uri'] ? { demoRedirectUris: values['redirect-uri'] } : {}),
  });
  const bulk =
    userCount === 0
      ? null
      : createUsersInBulk(emu.ctx, emu.mail, {
          prefix: 'user',
          count: userCount,
          tenant: DEMO.tenantId,
          password: DEFAULT_BULK_PASSWORD,
        });
  const bulkUsers = bulk && {
    count: bulk.users.length,
    first: bulk.users[0]!.upn,
    last: bulk.users.at(-1)!.upn,
    password: bulk.password,
    ms: bulk.ms,
  };
  process.stdout.write(
    values.json
      ? `${JSON.stringify({ ...describeEmulator(emu), bulkUsers })}\n`
      : `${describeForPeople(emu)}\n${bulkUsers ? `\n${bulkUsers.count} more users with mailboxes: ${bulkUsers.first} to ${bulkUsers.last}, password ${bulkUsers.password} (made in ${bulkUsers.ms} ms)\n` : ''}`,
  );
  const stop = async () => {
    await emu.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
};

main().catch((error: Error) => {
  process.stderr.write(`emulator: ${error.message}\n`);
  process.exit(1);
});

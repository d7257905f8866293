import { parseArgs } from 'node:util';
import { describeEmulator, describeForPeople } from './describe.ts';
import { startEmulator } from './start.ts';

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
  const emu = await startEmulator({
    httpPort: port('http-port', values['http-port']),
    httpsPort: port('https-port', values['https-port']),
    mail: values['no-mail'] ? false : { profile: values.profile },
    ...(values['redirect-uri'] ? { demoRedirectUris: values['redirect-uri'] } : {}),
  });
  process.stdout.write(
    values.json ? `${JSON.stringify(describeEmulator(emu))}\n` : `${describeForPeople(emu)}\n`,
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

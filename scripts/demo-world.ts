// The demo's world, for `npm run demo` and `npm run docs:screenshots`: the Microsoft 365 emulator with its
// demo mail, and Mailroom on SQLite configured with the emulator's demo app registration, with the demo
// administrator and staff member as users. Nothing is connected: people connect their mailboxes.
import { startEmulator } from '../emulator/start.ts';
import { parseConfig } from '../src/config.ts';
import { startWorkers } from '../src/jobs/workers.ts';
import { startMailroom } from '../src/main.ts';
import { saveMicrosoftSettings } from '../src/microsoft/save-settings.ts';
import { loadMicrosoftSettings } from '../src/microsoft/settings.ts';
import { validateSettings } from '../src/microsoft/settings-input.ts';
import { createUser } from '../src/users/create-user.ts';
import { findUserByEmail } from '../src/users/users.repository.ts';
import type { User } from '../src/users/users.table.ts';

export interface DemoWorldOptions {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly logLevel: string;
}

export const startDemoWorld = async (options: DemoWorldOptions) => {
  const publicUrl = `http://localhost:${options.port}`;
  const emu = await startEmulator({
    // Six weeks of a team's mail in every demo mailbox (emulator/mail/demo/), waiting to be connected.
    demoMail: true,
    demoRedirectUris: [
      `${publicUrl}/auth/microsoft/callback`,
      `${publicUrl}/mailboxes/connect/microsoft/callback`,
    ],
  });
  try {
    const config = parseConfig({
      ...process.env,
      PORT: String(options.port),
      HOST: options.host,
      MAILROOM_PUBLIC_URL: publicUrl,
      MAILROOM_DATA_DIR: options.dataDir,
      MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
      MAILROOM_LOG_LEVEL: options.logLevel,
    });
    const mailroom = await startMailroom(config);
    const { db, secrets } = mailroom.deps;
    // Mail syncs in the same process, as `mailroom serve` does for a small install.
    const workers = await startWorkers(mailroom.deps, config);

    const people = emu.demo!.users.filter((u) => u.role === 'administrator' || u.role === 'staff');
    const ensureUser = async (u: (typeof people)[number]): Promise<User> =>
      (await findUserByEmail(db, u.upn)) ??
      createUser(db, {
        email: u.upn,
        displayName: u.displayName,
        password: u.password,
        role: u.role === 'administrator' ? 'administrator' : 'staff',
      });
    const users = await Promise.all(people.map(ensureUser));

    const demoApp = [...emu.ctx.dir.apps.values()][0]!;
    const settings = validateSettings(
      {
        clientId: demoApp.appId,
        tenant: demoApp.homeTenantId,
        cloud: 'custom',
        // Plain HTTP on loopback, so a newcomer's browser needs no certificate; IMAP and SMTP use TLS with the emulator's CA.
        customAuthorityUrl: emu.httpUrl,
        customImapServer: `127.0.0.1:${emu.mail!.imap.tlsPort}`,
        customSmtpServer: `127.0.0.1:${emu.mail!.smtp.port}`,
        clientSecret: emu.demo!.appSecret,
        signinEnabled: true,
        syncEnabled: true,
        allowedDomains: ['contoso.example'],
      },
      await loadMicrosoftSettings(db),
      config,
    );
    if (!settings.ok) throw new Error(`demo settings invalid: ${JSON.stringify(settings.errors)}`);
    await saveMicrosoftSettings(db, secrets, users[0]!, settings.value);
    return {
      emu,
      mailroom,
      publicUrl,
      people,
      async stop() {
        await workers.stop();
        await mailroom.stop();
        await emu.stop();
      },
    };
  } catch (error) {
    await emu.stop();
    throw error;
  }
};

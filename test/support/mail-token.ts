import { ImapFlow } from 'imapflow';
import { mintAccessToken } from '../../emulator/identity/tokens.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { findUserByLogin } from '../../emulator/state/directory.ts';
import type { MailServers } from '../../src/mail-servers.ts';

/**
 * An Outlook-audience delegated access token for a user, signed by the emulator exactly as its token
 * endpoint signs them. Mail tests use it to focus on IMAP and SMTP; the token endpoint has its own tests,
 * and test/emulator/end-to-end.test.ts takes a token from it to IMAP and SMTP.
 */
export const outlookToken = (
  emu: RunningEmulator,
  upn: string,
  options: { scopes?: readonly string[]; audience?: string; lifetimeSec?: number } = {},
): Promise<string> => {
  const user = findUserByLogin(emu.ctx.dir, upn);
  const app = emu.ctx.dir.apps.get(DEMO.appId);
  if (!user || !app) throw new Error(`no user ${upn} or demo app`);
  return mintAccessToken(emu.ctx, {
    app,
    tenantId: user.tenantId,
    user,
    audience: options.audience ?? 'https://outlook.office.com',
    scopes: options.scopes ?? ['IMAP.AccessAsUser.All', 'SMTP.Send'],
    lifetimeSec: options.lifetimeSec ?? 3600,
    grantType: 'authorization_code',
  });
};

/**
 * Runs `fn` on one folder of an emulated mailbox, opened over IMAP with a token of `tokenOf` (a shared
 * mailbox is opened with a delegate's), then logs out.
 */
export const inEmulatorFolder = async <T>(
  emu: RunningEmulator,
  address: string,
  folder: string,
  fn: (client: ImapFlow) => Promise<T>,
  tokenOf = address,
): Promise<T> => {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: emu.mail!.imap.port,
    secure: false,
    auth: { user: address, accessToken: await outlookToken(emu, tokenOf) },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock(folder);
    try {
      return await fn(client);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
};

/** The emulator's IMAP (implicit TLS, as Mailroom connects) and SMTP, trusted through its CA. */
export const emulatorMailServers = (emu: RunningEmulator): MailServers => ({
  imap: { host: '127.0.0.1', port: emu.mail!.imap.tlsPort },
  smtp: { host: '127.0.0.1', port: emu.mail!.smtp.port },
  ca: [emu.tls.caPem],
});

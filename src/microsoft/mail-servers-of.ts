import { EXCHANGE_ONLINE, type MailServers } from '../mail-servers.ts';
import type { MicrosoftSettings } from './settings.ts';

const hostPort = (value: string | null): { host: string; port: number } | null => {
  const m = value ? /^(.+):(\d+)$/.exec(value) : null;
  return m ? { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) } : null;
};

/**
 * The IMAP and SMTP servers of the configured cloud: Exchange Online's for the named clouds, the
 * settings' own for a custom authority (the emulator), with the extra CAs Mailroom was told to trust.
 */
export const mailServersOf = (
  settings: MicrosoftSettings,
  extraCa: readonly string[] | null,
): MailServers | null => {
  if (settings.cloud !== 'custom') return { ...EXCHANGE_ONLINE[settings.cloud], ca: extraCa };
  const imap = hostPort(settings.customImapServer);
  const smtp = hostPort(settings.customSmtpServer);
  return imap && smtp ? { imap, smtp, ca: extraCa } : null;
};

import type { MailServers } from '../mail-servers.ts';
import { mailServersOf } from './mail-servers-of.ts';
import { authorityOf, type MicrosoftSettings } from './settings.ts';

const hostPort = (s: { readonly host: string; readonly port: number }) => `${s.host.toLowerCase()}:${s.port}`;

/**
 * Where a mailbox's tokens were issued and are used: the authority (token endpoint) and the IMAP and SMTP
 * hosts. Stored with the tokens; a token is sent to no other origin (DESIGN.md "Trust boundaries").
 * `null` while the settings name no complete set (a custom cloud without its mail servers).
 */
export const originOf = (authority: string, servers: Pick<MailServers, 'imap' | 'smtp'>): string =>
  `${authority} imap=${hostPort(servers.imap)} smtp=${hostPort(servers.smtp)}`;

export const tokenOriginOf = (settings: MicrosoftSettings): string | null => {
  const authority = authorityOf(settings);
  const servers = mailServersOf(settings, null);
  return authority && servers ? originOf(authority, servers) : null;
};

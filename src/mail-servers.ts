import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/**
 * Where a mailbox's IMAP and SMTP servers are and which CAs to trust for them. IMAP is implicit TLS
 * (Exchange's 993); SMTP submission is STARTTLS (587), and the session refuses to go on without it
 * (ms-identity-spec.md §13.1, §13.5: Exchange offers no AUTH before STARTTLS).
 */
export interface MailServers {
  readonly imap: { readonly host: string; readonly port: number };
  readonly smtp: { readonly host: string; readonly port: number };
  /** Extra CA certificates (PEM) trusted beside the system's, for this client only; null = system CAs. */
  readonly ca: readonly string[] | null;
}

export type ExchangeCloud = 'global' | 'usgov' | 'china';

/**
 * Exchange Online's mail hosts per national cloud.
 * - global: documented in "POP, IMAP, and SMTP settings for Outlook.com / Microsoft 365" (§13.1 [D]).
 * - usgov: GCC High's hosts as EmailEngine configures them (§13.1 [L]); GCC (moderate) tenants use the
 *   global hosts, and DoD tenants `outlook-dod.office365.us` [?], so an admin may still need to override.
 * - china (21Vianet): Microsoft's "Exchange Online in China" endpoint list names partner.outlook.cn;
 *   not verified against a live tenant [?].
 */
export const EXCHANGE_ONLINE: Record<ExchangeCloud, Pick<MailServers, 'imap' | 'smtp'>> = {
  global: {
    imap: { host: 'outlook.office365.com', port: 993 },
    smtp: { host: 'smtp.office365.com', port: 587 },
  },
  usgov: {
    imap: { host: 'outlook.office365.us', port: 993 },
    smtp: { host: 'smtp.office365.us', port: 587 },
  },
  china: {
    imap: { host: 'partner.outlook.cn', port: 993 },
    smtp: { host: 'smtp.partner.outlook.cn', port: 587 },
  },
};

/** Node's `ca` replaces the system store, so extra CAs are added to it rather than given alone. */
export const trustedCas = (servers: MailServers): string[] | undefined =>
  servers.ca ? [...rootCertificates, ...servers.ca] : undefined;

let lastContext: { readonly pems: string; readonly context: SecureContext } | null = null;

/**
 * The TLS context of a session to these servers: built once for a set of extra CAs and reused, since
 * building it parses the system's ~150 root certificates again (tens of milliseconds of CPU for every
 * IMAP session otherwise). Null when only the system CAs are trusted (Node's default context).
 */
export const trustedContext = (servers: MailServers): SecureContext | null => {
  if (!servers.ca) return null;
  const pems = servers.ca.join('\n');
  if (lastContext?.pems !== pems)
    lastContext = { pems, context: createSecureContext({ ca: trustedCas(servers), minVersion: 'TLSv1.2' }) };
  return lastContext.context;
};

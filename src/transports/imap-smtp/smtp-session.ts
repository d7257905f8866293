import nodemailer, { type Transporter } from 'nodemailer';
import { type MailServers, trustedContext } from '../../mail-servers.ts';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import { toSmtpError } from './smtp-error.ts';

export interface SmtpLogin {
  /** The authenticated mailbox (XOAUTH2 `user=`); sending as another address needs Send As (§13.5). */
  readonly user: string;
  readonly accessToken: string;
}

export interface SmtpOptions {
  /** Each of connect, greeting and socket inactivity (nodemailer's three timeouts). */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Who signs in over SMTP. Exchange takes SMTP AUTH only as the token's own user: a shared mailbox is sent
 * from by its delegate, with `From:` the shared address and Send As (anchors.md pain point 7).
 */
export const smtpLoginOf = (mailbox: Pick<Mailbox, 'kind' | 'account' | 'address'>): string =>
  mailbox.kind === 'system' && mailbox.account?.upn ? mailbox.account.upn : mailbox.address;

/**
 * A one-connection-per-message SMTP transport: STARTTLS on 587, required (`requireTLS`: Exchange offers
 * AUTH only after STARTTLS, and a server that skips it must not get the token), then AUTH XOAUTH2 with
 * the access token as given — nodemailer gets no refresh credentials, so it never refreshes on its own.
 */
export const createSmtpTransport = (
  servers: MailServers,
  login: SmtpLogin,
  options: SmtpOptions = {},
): Transporter => {
  // One TLS context per list of extra CAs, shared with IMAP: building one per connection costs ~100 ms of CPU.
  const secureContext = trustedContext(servers);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return nodemailer.createTransport({
    host: servers.smtp.host,
    port: servers.smtp.port,
    secure: false,
    requireTLS: true,
    tls: { minVersion: 'TLSv1.2', ...(secureContext ? { secureContext } : {}) },
    auth: { type: 'OAuth2', user: login.user, accessToken: login.accessToken },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
  });
};

/** Resolves when EHLO, STARTTLS and AUTH XOAUTH2 succeed; otherwise throws an SmtpError. */
export const verifySmtp = async (
  servers: MailServers,
  login: SmtpLogin,
  options: SmtpOptions = {},
): Promise<void> => {
  const transport = createSmtpTransport(servers, login, options);
  try {
    await transport.verify();
  } catch (error) {
    throw toSmtpError(error);
  } finally {
    transport.close();
  }
};

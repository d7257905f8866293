import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';
import type { EmulatorContext } from '../../context.ts';
import { findMailbox, tenantOfDomain } from '../../state/directory.ts';
import type { SmtpFault } from '../../state/model.ts';
import type { LocalTls } from '../../tls/local-ca.ts';
import { authorizeMailLogin } from '../mailbox-access.ts';
import { deliverToFolder, type MailStoreLayout } from '../maildir.ts';
import {
  smtpAuthDisabled,
  smtpAuthUnsuccessful,
  smtpBanner,
  smtpBasicAuthDisabled,
  smtpRecipientNotFound,
  smtpSendAsDenied,
  smtpTemporaryFailure,
} from '../wire-texts.ts';
import { addressOf, headerBlock, headerValue } from './headers.ts';

/** A message accepted for a recipient outside every emulated tenant, kept for tests to inspect. */
export interface OutboundMessage {
  readonly from: string;
  readonly to: string;
  readonly raw: Buffer;
  readonly acceptedAt: number;
}

interface SmtpUser {
  readonly mailbox: string;
  readonly principal: string;
  /** App-only: the app id (Send As may name it or its service principal). */
  readonly appId: string | null;
}

export interface RunningSmtp {
  readonly port: number;
  readonly outbound: OutboundMessage[];
  stop(): Promise<void>;
}

const smtpError = (code: number, message: string): Error & { responseCode: number } =>
  Object.assign(new Error(message), { responseCode: code });

/** Addresses the authenticated principal may put in From: its mailbox and those granting it Send As. */
const mayUseFrom = (ctx: EmulatorContext, user: SmtpUser, from: string): boolean => {
  const mailbox = findMailbox(ctx.dir, from);
  // An app sends as no one of its own: even From = user= needs Send As for its service principal (§1).
  if (user.appId !== null)
    return (
      mailbox !== undefined &&
      (mailbox.sendAs.includes(user.principal) || mailbox.sendAs.includes(user.appId))
    );
  if (from === user.mailbox) return true;
  return (
    mailbox !== undefined && (mailbox.ownerOid === user.principal || mailbox.sendAs.includes(user.principal))
  );
};

/** Consumes one use of the injected SMTP fault, if it is one for this stage of the session. */
const takeFault = (ctx: EmulatorContext, stage: 'auth' | 'data'): SmtpFault['mode'] | null => {
  const fault = ctx.dir.knobs.smtpFault;
  if (!fault || (fault.mode === 'auth_rejected') !== (stage === 'auth')) return null;
  fault.remaining -= 1;
  if (fault.remaining <= 0) ctx.dir.knobs.smtpFault = null;
  return fault.mode;
};

/**
 * Cuts the session's TCP connection without a reply: the message was taken, the client never hears so.
 * smtp-server keeps its connections in a set with their session and socket (not public API; emulator only).
 */
const dropConnection = (server: SMTPServer, session: SMTPServerSession): void => {
  const connections = (server as unknown as { connections: Set<{ session: unknown; _socket: Socket }> })
    .connections;
  for (const connection of connections) if (connection.session === session) connection._socket.destroy();
};

/**
 * SMTP submission like smtp.office365.com:587: STARTTLS first, then XOAUTH2 with an SMTP.Send token;
 * Exchange's 535 5.7.3, 535 5.7.139 and 554 5.2.252 answers (ms-identity-spec.md §13.5). Accepted mail is
 * delivered into the emulated recipients' Inboxes, kept in `outbound` for the others, and copied once into
 * the sender's Sent Items.
 */
export const startSmtp = async (
  ctx: EmulatorContext,
  tls: LocalTls,
  store: MailStoreLayout,
): Promise<RunningSmtp> => {
  const outbound: OutboundMessage[] = [];
  const server = new SMTPServer({
    name: ctx.mailHost,
    banner: smtpBanner(),
    key: tls.keyPem,
    cert: tls.certPem,
    authMethods: ['XOAUTH2', 'LOGIN'],
    allowInsecureAuth: false,
    size: 157_286_400,
    logger: false,
    async onAuth(auth: SMTPServerAuthentication, _session: SMTPServerSession, callback) {
      if (auth.method !== 'XOAUTH2') return callback(smtpError(535, smtpBasicAuthDisabled(ctx.mailHost)));
      if (takeFault(ctx, 'auth') === 'auth_rejected')
        return callback(smtpError(535, smtpAuthUnsuccessful(ctx.mailHost)));
      const access = await authorizeMailLogin(ctx, 'smtp', auth.username ?? '', auth.accessToken ?? '');
      if (access.ok)
        return callback(null, {
          user: { mailbox: access.mailbox.address, principal: access.principal, appId: access.appId ?? null },
        });
      if (access.failure === 'smtp_auth_disabled')
        return callback(smtpError(535, smtpAuthDisabled(ctx.mailHost)));
      callback(smtpError(535, smtpAuthUnsuccessful(ctx.mailHost)));
    },
    onRcptTo(address, _session, callback) {
      const recipient = address.address.toLowerCase();
      const domain = recipient.split('@')[1] ?? '';
      if (tenantOfDomain(ctx.dir, domain) && !findMailbox(ctx.dir, recipient)) {
        return callback(smtpError(550, smtpRecipientNotFound(recipient)));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        try {
          const fault = takeFault(ctx, 'data');
          if (fault === 'temporary_failure')
            return callback(smtpError(451, smtpTemporaryFailure(ctx.mailHost)));
          // The message's bytes are in, and the server never answers: nothing is delivered unless it does.
          if (fault === 'hold_data') return;
          const user = session.user as unknown as SmtpUser;
          let message = Buffer.concat(chunks);
          const headers = headerBlock(message);
          const envelopeFrom = session.envelope.mailFrom
            ? session.envelope.mailFrom.address.toLowerCase()
            : '';
          const from = addressOf(headerValue(headers, 'From')) ?? envelopeFrom;
          if (!mayUseFrom(ctx, user, from))
            return callback(smtpError(554, smtpSendAsDenied(user.mailbox, from)));
          if (!headerValue(headers, 'Message-ID')) {
            message = Buffer.concat([
              Buffer.from(`Message-ID: <${randomBytes(12).toString('hex')}@${ctx.mailHost}>\r\n`),
              message,
            ]);
          }
          const received = Buffer.from(
            `Received: from ${session.clientHostname} (${session.remoteAddress}) by ${ctx.mailHost} with ESMTPSA; ${new Date().toUTCString()}\r\n`,
          );
          for (const rcpt of session.envelope.rcptTo) {
            const to = rcpt.address.toLowerCase();
            if (findMailbox(ctx.dir, to))
              deliverToFolder(store, to, 'INBOX', Buffer.concat([received, message]));
            else outbound.push({ from, to, raw: message, acceptedAt: Date.now() });
          }
          if (ctx.dir.knobs.saveToSentItems)
            deliverToFolder(store, user.mailbox, 'Sent Items', message, ['\\Seen']);
          if (fault === 'drop_after_data') return dropConnection(server, session);
          callback(
            null,
            `2.6.0 <${randomBytes(8).toString('hex')}@${ctx.mailHost}> Queued mail for delivery`,
          );
        } catch (error) {
          callback(error as Error);
        }
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    outbound,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

import type { AppDeps } from '../http/context.ts';
import { readsThroughGraph } from '../transports/choose-reading.ts';
import { sendsThroughGraph } from '../transports/choose-sending.ts';
import { MailboxAccessError } from '../transports/imap-smtp/imap-access.ts';
import { SmtpError } from '../transports/imap-smtp/smtp-error.ts';
import { MailTransportError } from '../transports/transport-error.ts';
import { transportFor } from '../transports/transport-for.ts';
import { MailboxTokenError } from './access-token.ts';
import type { Mailbox } from './mailbox.ts';
import { findMailbox, setSendProblem } from './repository.ts';

export interface ProtocolResult {
  readonly ok: boolean;
  readonly code: string | null;
  readonly message: string;
}

export interface ConnectionCheck {
  readonly imap: ProtocolResult;
  readonly smtp: ProtocolResult;
}

const SMTP_MESSAGES: Partial<Record<SmtpError['code'], string>> = {
  'smtp.auth_disabled':
    'Exchange refuses SMTP sign-in for this mailbox or tenant (535 5.7.139: SMTP AUTH is disabled). An Exchange administrator must enable it: Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false (or allow it for the organisation).',
  'smtp.auth_failed':
    'Exchange refused the token for SMTP (535 5.7.3). Reconnect the mailbox; if it keeps happening, the app may lack the SMTP.Send permission.',
  'smtp.tls':
    'The SMTP server’s TLS certificate is not trusted. An administrator must check the mail server settings.',
  'smtp.unreachable': 'The SMTP server could not be reached. Try again later.',
  'smtp.timeout': 'The SMTP server did not answer in time. Try again later.',
};

/**
 * Check connection: logs in over IMAP and over SMTP with XOAUTH2 and says, for each, what happened in
 * words. An SMTP AUTH switched off by the tenant is an administrator's job, not the user's.
 */
export const checkConnection = async (deps: AppDeps, mailbox: Mailbox): Promise<ConnectionCheck> => {
  const transport = transportFor(deps, mailbox);
  let imap: ProtocolResult;
  try {
    const folders = await transport.read(async (session) => (await session.listFolders()).length);
    // The reading check keeps its key; a mailbox read through Graph says so (choose-reading.ts). Read
    // again: an Automatic mailbox may just have moved to Graph.
    const now = (await findMailbox(deps.db, mailbox.id)) ?? mailbox;
    imap = {
      ok: true,
      code: null,
      message: readsThroughGraph(now)
        ? `Reading goes through Microsoft Graph: found ${folders} folders of ${mailbox.address}.`
        : `IMAP works: signed in to ${mailbox.address} and found ${folders} folders.`,
    };
  } catch (error) {
    if (!(error instanceof MailTransportError) && !(error instanceof MailboxTokenError)) throw error;
    const stored = await deps.db
      .selectFrom('mailboxes')
      .select('state_message')
      .where('id', '=', mailbox.id)
      .executeTakeFirst();
    imap = { ok: false, code: error.code, message: stored?.state_message ?? `IMAP failed (${error.code}).` };
  }

  let smtp: ProtocolResult;
  try {
    const { login, server } = await transport.verifySending();
    smtp = {
      ok: true,
      code: null,
      // The sending check keeps its key; a mailbox sending through Graph says so (choose-sending.ts).
      message: sendsThroughGraph(mailbox)
        ? `Sending goes through Microsoft Graph: ${login} has a Graph token for ${server} to send from ${mailbox.address}.`
        : `SMTP works: ${login} may sign in to ${server} to send from ${mailbox.address}.`,
    };
    await setSendProblem(deps.db, mailbox.id, null);
  } catch (error) {
    if (error instanceof SmtpError) {
      smtp = {
        ok: false,
        code: error.code,
        message: SMTP_MESSAGES[error.code] ?? `SMTP failed (${error.code}: ${error.serverText ?? ''}).`,
      };
      // Sending is blocked, reading is not: kept apart from the connection state, so sync goes on.
      if (error.code === 'smtp.auth_disabled')
        await setSendProblem(deps.db, mailbox.id, { code: error.code, message: smtp.message });
    } else if (error instanceof MailboxTokenError) {
      smtp = { ok: false, code: error.code, message: error.message };
    } else if (error instanceof MailTransportError && error.transport === 'graph') {
      smtp = { ok: false, code: error.code, message: error.userMessage };
    } else if (error instanceof MailboxAccessError) {
      smtp = {
        ok: false,
        code: error.code,
        message: 'The SMTP server of the custom authority is not set on the Microsoft 365 settings page.',
      };
    } else throw error;
  }
  deps.log.info(
    { event: 'mailbox.checked', mailboxId: mailbox.id, imap: imap.code ?? 'ok', smtp: smtp.code ?? 'ok' },
    'connection checked',
  );
  return { imap, smtp };
};

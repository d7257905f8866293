import type { Selectable } from 'kysely';
import type {
  AccessMode,
  ConnectionState,
  MailboxesTable,
  ReadsThrough,
  SendsThrough,
  SendVia,
} from './mailboxes.table.ts';

/** A mailbox as the rest of Mailroom sees it: never its tokens. */
export interface Mailbox {
  readonly id: string;
  readonly kind: 'user' | 'system';
  readonly ownerUserId: string | null;
  readonly label: string | null;
  readonly address: string;
  readonly enabled: boolean;
  /** The Microsoft account the connection uses (the owner, or a delegate with FullAccess). */
  readonly account: { readonly tid: string; readonly oid: string; readonly upn: string | null } | null;
  /** 'application': client credentials, no person's tokens (system mailboxes, issue 14). */
  readonly access: AccessMode;
  /** It has a way to Exchange: a person's refresh token, or application access. */
  readonly connected: boolean;
  readonly state: ConnectionState;
  readonly stateCode: string | null;
  readonly stateMessage: string | null;
  readonly stateAt: string | null;
  readonly nextAttemptAt: string | null;
  /** Why sending fails while reading works (SMTP AUTH off, Send As missing); null when sending works. */
  readonly sendProblem: { readonly code: string; readonly message: string; readonly at: string } | null;
  /** How it is to send, and how it sends now, why and since when (issue 13 §3). */
  readonly sending: {
    readonly via: SendVia;
    readonly through: SendsThrough;
    readonly reason: string | null;
    readonly since: string | null;
  };
  /**
   * How it reads now (the choice is `sending.via`, which covers both: Graph reads through Graph, Automatic
   * through Graph once IMAP was refused for the mailbox), why and since when.
   */
  readonly reading: {
    readonly through: ReadsThrough;
    readonly reason: string | null;
    readonly since: string | null;
  };
  readonly createdAt: string;
}

export const rowToMailbox = (row: Selectable<MailboxesTable>): Mailbox => ({
  id: row.id,
  kind: row.kind,
  ownerUserId: row.owner_user_id,
  label: row.label,
  address: row.address,
  enabled: row.enabled === 1,
  account: row.ms_tid && row.ms_oid ? { tid: row.ms_tid, oid: row.ms_oid, upn: row.ms_upn } : null,
  access: row.access_mode,
  connected: row.refresh_token_encrypted !== null || row.access_mode === 'application',
  state: row.state,
  stateCode: row.state_code,
  stateMessage: row.state_message,
  stateAt: row.state_at,
  nextAttemptAt: row.next_attempt_at,
  sendProblem:
    row.send_problem_code && row.send_problem_message && row.send_problem_at
      ? { code: row.send_problem_code, message: row.send_problem_message, at: row.send_problem_at }
      : null,
  sending: {
    via: row.send_via,
    through: row.sends_through,
    reason: row.sends_through_reason,
    since: row.sends_through_at,
  },
  reading: {
    through: row.reads_through,
    reason: row.reads_through_reason,
    since: row.reads_through_at,
  },
  createdAt: row.created_at,
});

/** The API's view: the same, with dates and the account as they are. */
export const mailboxView = (m: Mailbox) => ({
  id: m.id,
  kind: m.kind,
  label: m.label,
  address: m.address,
  enabled: m.enabled,
  account: m.account ? { tenantId: m.account.tid, upn: m.account.upn } : null,
  accessMode: m.access,
  connected: m.connected,
  state: m.state,
  stateCode: m.stateCode,
  stateMessage: m.stateMessage,
  stateAt: m.stateAt,
  nextAttemptAt: m.nextAttemptAt,
  sendProblem: m.sendProblem,
  sendVia: m.sending.via,
  sendsThrough: m.sending.through,
  sendsThroughReason: m.sending.reason,
  sendsThroughAt: m.sending.since,
  /** The mailbox's way to Microsoft 365 (the same setting as `sendVia`, named for what it covers). */
  mailVia: m.sending.via,
  readsThrough: m.reading.through,
  readsThroughReason: m.reading.reason,
  readsThroughAt: m.reading.since,
});

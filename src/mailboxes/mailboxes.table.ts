import type { Generated } from 'kysely';

/** How a mailbox is to send (issue 13 §3): Automatic (the default), SMTP only, or Graph only. */
export type SendVia = 'auto' | 'smtp' | 'graph';
/** How a system mailbox reaches Exchange: through a person's delegation, or as the application. */
export type AccessMode = 'person' | 'application';

/** How it sends now. */
export type SendsThrough = 'smtp' | 'graph';

/** How it reads now. */
export type ReadsThrough = 'imap' | 'graph';

/** Who must act about a mailbox's connection (STYLE.md 7; ms-identity-spec.md §15). */
export type ConnectionState =
  | 'not_connected'
  | 'connected'
  | 'reconnect_required'
  | 'admin_action_required'
  | 'retrying';

export interface MailboxesTable {
  id: string;
  kind: 'user' | 'system';
  owner_user_id: string | null;
  /** System mailboxes: a unique label such as "Support". */
  label: string | null;
  /** The mailbox address, lower case; XOAUTH2's `user=`. */
  address: string;
  enabled: number;
  /** The Microsoft account whose tokens are stored: the owner, or the delegate with FullAccess. */
  ms_tid: string | null;
  ms_oid: string | null;
  ms_upn: string | null;
  connected_by_user_id: string | null;
  state: ConnectionState;
  /** e.g. `AADSTS50173`, `invalid_client`, `imap.not_connected`, `http_429`. */
  state_code: string | null;
  state_message: string | null;
  state_at: string | null;
  next_attempt_at: string | null;
  /** Sealed with the secret box; purpose binds them to this row and column. */
  access_token_encrypted: string | null;
  access_token_expires_at: string | null;
  refresh_token_encrypted: string | null;
  /**
   * The authority and mail hosts the tokens were issued for (`tokenOriginOf`): they are used with no
   * other, and dropped when the settings move to another.
   */
  token_origin: string | null;
  /** Bumped with every token write: a writer that read an older version lost the race. */
  token_version: number;
  last_synced_at: string | null;
  /** Completed syncs, for operators and for the one-sync-per-round test. */
  sync_runs: number;
  /** Why the last send failed in a way a person must fix (`smtp.auth_disabled`, …); cleared by a send. */
  send_problem_code: string | null;
  send_problem_message: string | null;
  send_problem_at: string | null;
  /** How it is to send: 'auto' (SMTP, then Graph after `535 5.7.139`), 'smtp' or 'graph'. */
  send_via: Generated<SendVia>;
  /** How it sends now, why (a sentence) and since when (ISO-8601); the reason is null until it changed. */
  sends_through: Generated<SendsThrough>;
  sends_through_reason: string | null;
  sends_through_at: string | null;
  /** How it reads now ('imap' or 'graph'), why and since when; the reason is null until it changed. */
  reads_through: Generated<ReadsThrough>;
  reads_through_reason: string | null;
  reads_through_at: string | null;
  /** System mailboxes: 'person' (a delegate's tokens) or 'application' (client credentials, issue 14). */
  access_mode: Generated<AccessMode>;
  created_at: string;
  updated_at: string;
}

export interface MailboxFoldersTable {
  mailbox_id: string;
  path: string;
  name: string;
  delimiter: string | null;
  parent_path: string | null;
  /** `\Sent`, `\Trash`, … as the server's LIST attributes say: never guessed from names. */
  special_use: string | null;
  selected: number;
  updated_at: string;
  /** Graph's id of the folder; null for IMAP, which names it by its path. */
  remote_id: string | null;
}

/**
 * Access tokens for the resources other than Outlook's (Microsoft Graph), redeemed with the mailbox's one
 * refresh token and refreshed on their own; the Outlook resource's stays in the mailbox row.
 */
export interface MailboxAccessTokensTable {
  /** `<mailbox id>/<resource>`: one key, so the sealed column's purpose names the row. */
  id: string;
  mailbox_id: string;
  resource: string;
  /** Sealed with the secret box, bound to `id` (resourceTokenPurpose). */
  access_token_encrypted: string;
  access_token_expires_at: string;
  updated_at: string;
}

export interface SystemMailboxAccessTable {
  mailbox_id: string;
  principal: string;
}

/** What each sealed mailbox column is bound to (the secret box's additional data). */
export const tokenPurpose = (
  column: 'access_token_encrypted' | 'refresh_token_encrypted',
  mailboxId: string,
): string => `mailbox.${column === 'access_token_encrypted' ? 'access_token' : 'refresh_token'}:${mailboxId}`;

/** What a resource's sealed access token is bound to: its row's key, `<mailbox id>/<resource>`. */
export const resourceTokenPurpose = (id: string): string => `mailbox.access_token:${id}`;

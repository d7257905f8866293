import type { AuditTable } from '../audit/audit.table.ts';
import type { EventsTable } from '../events/events.table.ts';
import type { RateLimitTable } from '../http/rate-limit.table.ts';
import type { SessionsTable } from '../http/sessions.table.ts';
import type { JobFailuresTable, JobsTable } from '../jobs/jobs.table.ts';
import type { LeasesTable } from '../jobs/leases.table.ts';
import type {
  AppAccessSettingsTable,
  AppAccessTokensTable,
} from '../mailboxes/app-access/app-access.table.ts';
import type {
  MailboxAccessTokensTable,
  MailboxesTable,
  MailboxFoldersTable,
  SystemMailboxAccessTable,
} from '../mailboxes/mailboxes.table.ts';
import type {
  AttachmentsTable,
  FolderSyncStateTable,
  MessageLocationsTable,
  MessageSourcesTable,
  MessagesTable,
} from '../messages/messages.table.ts';
import type { MicrosoftSettingsTable } from '../microsoft/settings.table.ts';
import type { OutgoingMessagesTable } from '../send/outgoing.table.ts';
import type { MicrosoftIdentitiesTable } from '../signin/identities.table.ts';
import type { ApiTokensTable } from '../users/api-tokens.table.ts';
import type { UsersTable } from '../users/users.table.ts';
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
  WebhookStatsTable,
} from '../webhooks/webhooks.table.ts';

/** Every table, each typed next to the feature that owns it (STYLE.md 4). */
export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  rate_limit_events: RateLimitTable;
  audit_events: AuditTable;
  microsoft_settings: MicrosoftSettingsTable;
  microsoft_identities: MicrosoftIdentitiesTable;
  mailboxes: MailboxesTable;
  mailbox_access_tokens: MailboxAccessTokensTable;
  mailbox_folders: MailboxFoldersTable;
  system_mailbox_access: SystemMailboxAccessTable;
  folder_sync_state: FolderSyncStateTable;
  messages: MessagesTable;
  message_locations: MessageLocationsTable;
  message_sources: MessageSourcesTable;
  attachments: AttachmentsTable;
  leases: LeasesTable;
  jobs: JobsTable;
  job_failures: JobFailuresTable;
  events: EventsTable;
  outgoing_messages: OutgoingMessagesTable;
  app_access_tokens: AppAccessTokensTable;
  app_access_settings: AppAccessSettingsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_stats: WebhookStatsTable;
}

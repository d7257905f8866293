import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely';
import type { Db } from './database.ts';
import * as foundation from './migrations/2026-11-26-0001-foundation.ts';
import * as microsoftSignin from './migrations/2026-11-26-0002-microsoft-signin.ts';
import * as mailboxes from './migrations/2026-11-26-0003-mailboxes.ts';
import * as messages from './migrations/2026-11-26-0004-messages.ts';
import * as sending from './migrations/2026-11-26-0005-sending.ts';
import * as search from './migrations/2026-11-26-0006-search.ts';
import * as identityBoundary from './migrations/2026-12-02-0001-identity-boundary.ts';
import * as purgeIndexes from './migrations/2026-12-02-0002-purge-indexes.ts';
import * as messageContent from './migrations/2026-12-02-0003-message-content.ts';
import * as leases from './migrations/2026-12-02-0007-leases.ts';
import * as jobsEvents from './migrations/2026-12-02-0008-jobs-events.ts';
import * as parseQueue from './migrations/2026-12-02-0010-parse-queue.ts';
import * as resourceTokens from './migrations/2026-12-02-0020-resource-tokens.ts';
import * as transportLocations from './migrations/2026-12-02-0021-transport-locations.ts';
import * as sendVia from './migrations/2026-12-02-0030-send-via.ts';
import * as readsThrough from './migrations/2026-12-03-0040-reads-through.ts';
import * as appAccess from './migrations/2026-12-03-0060-app-access.ts';
import * as certificateCredentials from './migrations/2026-12-03-0070-certificate-credentials.ts';
import * as webhooks from './migrations/2026-12-03-0080-webhooks.ts';
import * as webhookStats from './migrations/2026-12-03-0130-webhook-stats.ts';
import * as listingWrites from './migrations/2026-12-04-0300-listing-writes.ts';
import * as lookupKeys from './migrations/2026-12-04-2300-lookup-keys.ts';

/** Every migration, in order; names are timestamps so they sort as they were written. */
const migrations: Record<string, Migration> = {
  '2026-11-26-0001-foundation': foundation,
  '2026-11-26-0002-microsoft-signin': microsoftSignin,
  '2026-11-26-0003-mailboxes': mailboxes,
  '2026-11-26-0004-messages': messages,
  '2026-11-26-0005-sending': sending,
  '2026-11-26-0006-search': search,
  '2026-12-02-0001-identity-boundary': identityBoundary,
  '2026-12-02-0002-purge-indexes': purgeIndexes,
  '2026-12-02-0003-message-content': messageContent,
  '2026-12-02-0007-leases': leases,
  '2026-12-02-0008-jobs-events': jobsEvents,
  '2026-12-02-0010-parse-queue': parseQueue,
  '2026-12-02-0020-resource-tokens': resourceTokens,
  '2026-12-02-0021-transport-locations': transportLocations,
  '2026-12-02-0030-send-via': sendVia,
  '2026-12-03-0040-reads-through': readsThrough,
  '2026-12-03-0060-app-access': appAccess,
  '2026-12-03-0070-certificate-credentials': certificateCredentials,
  '2026-12-03-0080-webhooks': webhooks,
  '2026-12-03-0130-webhook-stats': webhookStats,
  '2026-12-04-0300-listing-writes': listingWrites,
  '2026-12-04-2300-lookup-keys': lookupKeys,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export class MigrationError extends Error {
  readonly code = 'db.migration_failed';
}

const migratorOf = (db: Db) =>
  new Migrator({
    db,
    provider,
    migrationTableName: 'mailroom_migrations',
    migrationLockTableName: 'mailroom_migrations_lock',
  });

const applied = ({ error, results }: MigrationResultSet): string[] => {
  if (error)
    throw new MigrationError(`database migration failed: ${(error as Error).message}`, { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
};

/** Brings the schema up to date; run at start and by `mailroom migrate`. Returns the names applied. */
export const migrateToLatest = async (db: Db): Promise<string[]> =>
  applied(await migratorOf(db).migrateToLatest());

/** Moves the schema up or down to the migration `name`, e.g. to test that a migration keeps the data. */
export const migrateTo = async (db: Db, name: string): Promise<string[]> =>
  applied(await migratorOf(db).migrateTo(name));

import type { Kysely } from 'kysely';

export const up = async (db: Kysely<unknown>): Promise<void> => {
  // One sync of a mailbox at a time across every worker: a lease, like the token refresh's.
  await db.schema.alterTable('mailboxes').addColumn('sync_lease_until', 'text').execute();
  await db.schema.alterTable('mailboxes').addColumn('sync_lease_owner', 'text').execute();
  await db.schema.alterTable('mailboxes').addColumn('last_synced_at', 'text').execute();
  await db.schema
    .alterTable('mailboxes')
    .addColumn('sync_runs', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // One sweep per interval across all workers: whoever takes the lease sweeps.
  await db.schema
    .createTable('scheduler_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('until', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .execute();

  // Where sync stands in each folder: UIDs alone (Exchange has no CONDSTORE), MODSEQ when offered.
  await db.schema
    .createTable('folder_sync_state')
    .addColumn('mailbox_id', 'text', (c) => c.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('uidvalidity', 'bigint')
    /** Every UID below this has been stored (or seen deleted): the next fetch starts here. */
    .addColumn('uid_next', 'bigint', (c) => c.notNull().defaultTo(1))
    /** MODSEQ as a decimal string (63-bit: beyond JavaScript's safe integers). */
    .addColumn('highest_modseq', 'text')
    .addColumn('server_messages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('stored_messages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('idle'))
    .addColumn('last_synced_at', 'text')
    .addColumn('last_error', 'text')
    .addPrimaryKeyConstraint('folder_sync_state_pk', ['mailbox_id', 'path'])
    .execute();

  // A message once per mailbox (deduplicated by Message-ID, else by a hash of its content).
  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('mailbox_id', 'text', (c) => c.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text')
    .addColumn('thread_id', 'text', (c) => c.notNull())
    .addColumn('in_reply_to', 'text')
    .addColumn('references', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('subject', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('from_address', 'text')
    .addColumn('from_name', 'text')
    .addColumn('to_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('cc_json', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('sent_at', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('snippet', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('body_text', 'text')
    /** As received; sanitised when shown, never trusted. */
    .addColumn('body_html', 'text')
    .addColumn('has_attachments', 'integer', (c) => c.notNull().defaultTo(0))
    /** Problems met while parsing (unknown charset, broken multipart…): stored anyway. */
    .addColumn('parse_warnings', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('messages_mailbox_dedupe', ['mailbox_id', 'dedupe_key'])
    .execute();
  await db.schema
    .createIndex('messages_mailbox_received')
    .on('messages')
    .columns(['mailbox_id', 'received_at'])
    .execute();
  await db.schema
    .createIndex('messages_thread')
    .on('messages')
    .columns(['mailbox_id', 'thread_id'])
    .execute();
  await db.schema
    .createIndex('messages_message_id')
    .on('messages')
    .columns(['mailbox_id', 'message_id'])
    .execute();

  // Where a message is: a folder, a UIDVALIDITY, a UID, and that copy's flags.
  await db.schema
    .createTable('message_locations')
    .addColumn('mailbox_id', 'text', (c) => c.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('uidvalidity', 'bigint', (c) => c.notNull())
    .addColumn('uid', 'bigint', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('seen', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('flagged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('answered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('draft', 'integer', (c) => c.notNull().defaultTo(0))
    /** Flags changed in Mailroom and not yet written to the server (JSON `{ seen?: bool, flagged?: bool }`). */
    .addColumn('pending_flags', 'text')
    .addPrimaryKeyConstraint('message_locations_pk', ['mailbox_id', 'path', 'uidvalidity', 'uid'])
    .execute();
  await db.schema
    .createIndex('message_locations_message')
    .on('message_locations')
    .column('message_id')
    .execute();

  await db.schema
    .createTable('attachments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('message_id', 'text', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('filename', 'text')
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('disposition', 'text')
    .addColumn('content_id', 'text')
    .addColumn('size', 'integer', (c) => c.notNull())
    /** SHA-256 of the content: the blob's name in the blob store (content kept apart from rows). */
    .addColumn('sha256', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('attachments_message').on('attachments').column('message_id').execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  for (const t of ['attachments', 'message_locations', 'messages', 'folder_sync_state', 'scheduler_leases'])
    await db.schema.dropTable(t).execute();
};

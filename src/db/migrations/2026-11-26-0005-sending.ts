import type { Kysely } from 'kysely';

export const up = async (db: Kysely<unknown>): Promise<void> => {
  // Why sending from a mailbox fails while reading it works (SMTP AUTH off, Send As missing): kept apart
  // from the connection state, so a tenant without SMTP AUTH still syncs.
  await db.schema.alterTable('mailboxes').addColumn('send_problem_code', 'text').execute();
  await db.schema.alterTable('mailboxes').addColumn('send_problem_message', 'text').execute();
  await db.schema.alterTable('mailboxes').addColumn('send_problem_at', 'text').execute();

  // Every message Mailroom was asked to send: the row is the job (claimed with a lease), its MIME is a blob.
  await db.schema
    .createTable('outgoing_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('mailbox_id', 'text', (c) => c.notNull().references('mailboxes.id').onDelete('cascade'))
    .addColumn('created_by_user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('idempotency_key', 'text')
    /** SHA-256 of the request that made it: the same key with another request is refused. */
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('reply_to_message_id', 'text')
    /** The RFC 5322 Message-ID, fixed once: every attempt sends the same bytes. */
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('from_address', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('recipients_json', 'text', (c) => c.notNull())
    .addColumn('mime_sha256', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    /** 1 once an attempt began handing the message over: later attempts first look for a delivered copy. */
    .addColumn('transmitted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('error_recipient', 'text')
    /** Who must act on the error: `sender`, `mailbox_owner` or `administrator`. */
    .addColumn('error_for', 'text')
    .addColumn('server_reply', 'text')
    /** `server` when Exchange saved the copy in Sent Items, `appended` when Mailroom did. */
    .addColumn('sent_copy', 'text')
    .addColumn('stored_message_id', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('outgoing_messages_idempotency', ['created_by_user_id', 'idempotency_key'])
    .execute();
  await db.schema
    .createIndex('outgoing_messages_due')
    .on('outgoing_messages')
    .columns(['state', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('outgoing_messages_mailbox')
    .on('outgoing_messages')
    .columns(['mailbox_id', 'created_at'])
    .execute();
};

export const down = async (db: Kysely<unknown>): Promise<void> => {
  await db.schema.dropTable('outgoing_messages').execute();
  await db.schema.alterTable('mailboxes').dropColumn('send_problem_at').execute();
  await db.schema.alterTable('mailboxes').dropColumn('send_problem_message').execute();
  await db.schema.alterTable('mailboxes').dropColumn('send_problem_code').execute();
};

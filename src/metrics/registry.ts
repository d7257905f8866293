import { sql } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Db } from '../db/database.ts';
import { credentialExpiryOf, loadMicrosoftSettings } from '../microsoft/settings.ts';
import { registerWatchMetrics } from '../watch/metrics.ts';
import { registerWebhookMetrics } from '../webhooks/metrics.ts';

/** The process's own figures (CPU, memory, event loop, GC): one collector per process, however many apps. */
let processRegistry: Registry | null = null;
const processMetrics = (): Registry => {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'mailroom_' });
  }
  return processRegistry;
};

type Grouped = 'mailboxes' | 'outgoing_messages' | 'folder_sync_state';

/**
 * Mailroom's Prometheus metrics, one registry per running app (never prom-client's global one), with the
 * process's figures beside them. The database is the truth every process shares, so the gauges are read
 * from it at scrape time: any web or worker process reports the whole installation, and nothing is lost
 * when a process restarts.
 */
export const createMetrics = (db: Db): { metrics(): Promise<string>; readonly contentType: string } => {
  const registry = new Registry();
  /** A gauge of rows counted by one column's values, the label named after what they are. */
  const countBy = (name: string, help: string, table: Grouped, column: string, label: string) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await db
          .selectFrom(table)
          .select([sql.ref<string>(column).as('value'), (eb) => eb.fn.countAll<number | string>().as('n')])
          .where(sql.ref(column), 'is not', null)
          .groupBy(sql.ref(column))
          .execute();
        for (const r of rows) this.set({ [label]: String(r.value) }, Number(r.n));
      },
    });
  countBy(
    'mailroom_mailboxes',
    'Mailboxes by connection state (reconnect_required and admin_action_required wait on a person).',
    'mailboxes',
    'state',
    'state',
  );
  countBy(
    'mailroom_mailboxes_send_blocked',
    'Mailboxes Exchange does not let Mailroom send from (SMTP AUTH off, Send As missing), by code.',
    'mailboxes',
    'send_problem_code',
    'code',
  );
  countBy(
    'mailroom_outgoing_messages',
    'Messages sent through Mailroom by state (queued, sending, sent, failed).',
    'outgoing_messages',
    'state',
    'state',
  );
  countBy(
    'mailroom_folders',
    'Synced folders by sync status (idle, syncing, failed).',
    'folder_sync_state',
    'status',
    'status',
  );

  new Gauge({
    name: 'mailroom_credential_expiry_timestamp_seconds',
    help: 'When the Microsoft credential in use (client secret as entered, or certificate) expires, in Unix seconds: alert on it minus time().',
    labelNames: ['credential'],
    registers: [registry],
    async collect() {
      this.reset();
      const expiry = credentialExpiryOf(await loadMicrosoftSettings(db));
      if (expiry) this.set({ credential: expiry.kind }, Math.floor(Date.parse(expiry.expiresAt) / 1000));
    },
  });

  new Gauge({
    name: 'mailroom_outgoing_oldest_queued_seconds',
    help: 'Age of the oldest message still queued or sending (0 when none): alert when it grows.',
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom('outgoing_messages')
        .select((eb) => eb.fn.min('created_at').as('oldest'))
        .where('state', 'in', ['queued', 'sending'])
        .executeTakeFirst();
      const oldest = row?.oldest ? Date.parse(String(row.oldest)) : Number.NaN;
      this.set(Number.isNaN(oldest) ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
    },
  });

  new Gauge({
    name: 'mailroom_messages_stored',
    help: 'Messages stored, summed over the folders’ sync state (a copy in two folders counts twice).',
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom('folder_sync_state')
        .select((eb) => eb.fn.sum<number | string | null>('stored_messages').as('n'))
        .executeTakeFirst();
      this.set(Number(row?.n ?? 0));
    },
  });
  new Counter({
    name: 'mailroom_job_failures_total',
    help: 'Background jobs whose handler failed, by job, and periodic rounds that failed (blob-sweep, purge, credential-expiry, sync-sweep, watch-poll, send-outbox, webhook-pump), across every process (each failure is logged with its stack; a job keeps it on its record).',
    labelNames: ['job'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db.selectFrom('job_failures').select(['job', 'failures']).execute();
      for (const r of rows) this.inc({ job: r.job }, Number(r.failures));
    },
  });
  registerWatchMetrics(registry, db);
  registerWebhookMetrics(registry, db);
  return {
    contentType: registry.contentType,
    metrics: () => Registry.merge([processMetrics(), registry]).metrics(),
  };
};

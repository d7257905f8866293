import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Db } from '../db/database.ts';

/**
 * Mailroom's Prometheus metrics, one registry per running app (never prom-client's global one). The
 * database is the truth every process shares, so the gauges are read from it at scrape time: any web
 * or worker process reports the whole installation, and nothing is lost when a process restarts.
 */
export const createMetrics = (db: Db): Registry => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'mailroom_' });

  new Gauge({
    name: 'mailroom_mailboxes',
    help: 'Mailboxes by connection state (reconnect_required and admin_action_required wait on a person).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('mailboxes')
        .select(['state', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy('state')
        .execute();
      for (const r of rows) this.set({ state: r.state }, Number(r.n));
    },
  });

  new Gauge({
    name: 'mailroom_mailboxes_send_blocked',
    help: 'Mailboxes Exchange does not let Mailroom send from (SMTP AUTH off, Send As missing), by code.',
    labelNames: ['code'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('mailboxes')
        .select(['send_problem_code', (eb) => eb.fn.countAll<number | string>().as('n')])
        .where('send_problem_code', 'is not', null)
        .groupBy('send_problem_code')
        .execute();
      for (const r of rows) this.set({ code: r.send_problem_code ?? '' }, Number(r.n));
    },
  });

  new Gauge({
    name: 'mailroom_outgoing_messages',
    help: 'Messages sent through Mailroom by state (queued, sending, sent, failed).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('outgoing_messages')
        .select(['state', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy('state')
        .execute();
      for (const r of rows) this.set({ state: r.state }, Number(r.n));
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
    name: 'mailroom_folders',
    help: 'Synced folders by sync status (idle, syncing, failed).',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('folder_sync_state')
        .select(['status', (eb) => eb.fn.countAll<number | string>().as('n')])
        .groupBy('status')
        .execute();
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
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
  return registry;
};

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KyselyPlugin, OperationNode } from 'kysely';
import { leaseHolder } from '../../src/jobs/lease.ts';
import { runMailboxSync } from '../../src/sync/run-sync.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { ADELE, MEGAN } from '../support/mailbox-setup.ts';
import { copiesIn, type SendWorld, startSendWorld } from '../support/send-fixture.ts';
import { waitFor } from '../support/wait-for.ts';

type NamedNode = {
  kind: string;
  table?: { table?: { identifier?: { name?: string } } };
  into?: { table?: { identifier?: { name?: string } } };
};
type SetColumns = { updates?: readonly { column?: { column?: { name?: string } } }[] };

/**
 * A database that goes away for lease renewals while `armed`: an `UPDATE leases` that is not a claim (a claim
 * also sets `claimed_at`) throws. While armed, each batch of stored messages is held after its write until a
 * renewal has failed (at its `messages.stored` event, the batch's last Kysely statement: its rows go in by
 * statements written by hand, db/values-insert.ts and json-insert.ts), so the sync is mid-folder when it
 * learns of the loss however fast the machine is.
 */
const failingLeaseRenewals = () => {
  let failed: () => void = () => {};
  const renewalFailed = new Promise<void>((resolve) => {
    failed = resolve;
  });
  const held = new Set<unknown>();
  const plugin = {
    armed: false,
    transformQuery({ node, queryId }: { node: OperationNode; queryId: unknown }) {
      const named = node as unknown as NamedNode;
      if (!plugin.armed) return node;
      if (named.kind === 'UpdateQueryNode' && named.table?.table?.identifier?.name === 'leases') {
        const claim = (node as unknown as SetColumns).updates?.some(
          (u) => u.column?.column?.name === 'claimed_at',
        );
        if (!claim) {
          failed();
          throw new Error('connection to the database lost (test)');
        }
      }
      if (named.kind === 'InsertQueryNode' && named.into?.table?.identifier?.name === 'events')
        held.add(queryId);
      return node;
    },
    async transformResult({ result, queryId }: { result: unknown; queryId: unknown }) {
      if (held.delete(queryId)) await renewalFailed;
      return result;
    },
  };
  return plugin as typeof plugin & KyselyPlugin;
};

for (const kind of DATABASES) {
  describe(`a lost lease stops the work it guards, on ${kind}`, () => {
    let w: SendWorld;
    // Leases of 3 s, renewed every second: the test sees a renewal fail within a second.
    before(async () => {
      w = await startSendWorld(kind, { MAILROOM_LEASE_SECONDS: '5' });
    });
    after(async () => {
      await w?.stop();
    });

    test('a sync whose lease renewal fails stops mid-folder; the next holder resumes with nothing lost or doubled', async () => {
      const deps = w.app.mailroom.deps;
      const mailboxId = w.mailboxes.megan;
      await control(w.emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', count: 1500 });
      const plugin = failingLeaseRenewals();
      const flaky = { ...deps, db: deps.db.withPlugin(plugin) };
      const stored = () =>
        deps.db
          .selectFrom('message_locations')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('mailbox_id', '=', mailboxId)
          .where('path', '=', 'INBOX')
          .executeTakeFirstOrThrow()
          .then((r) => Number(r.n));
      plugin.armed = true;
      const outcome = await runMailboxSync(flaky, mailboxId, { leaseMs: 3000 });
      assert.equal(outcome.kind, 'lost');
      assert.equal(outcome.kind === 'lost' && outcome.error.code, 'lease.renewal_failed');
      const atStop = await stored();
      const state = await deps.db
        .selectFrom('folder_sync_state')
        .select(['server_messages', 'stored_messages'])
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'INBOX')
        .executeTakeFirstOrThrow();
      assert.ok(atStop < state.server_messages, `stopped mid-folder (${atStop} of ${state.server_messages})`);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await stored(), atStop, 'nothing more is stored once the lease is lost');
      plugin.armed = false;

      // The stopped sync could not give its lease back (its database "went away"): until it runs out, the
      // mailbox is busy, then the next sync takes over and resumes from the cursor.
      const busy = await runMailboxSync(deps, mailboxId, { leaseMs: 3000 });
      assert.equal(busy.kind, 'busy');
      assert.ok(busy.kind === 'busy' && busy.until && busy.until.getTime() > Date.now());
      await waitFor(async () => (await leaseHolder(deps.db, `sync:${mailboxId}`)) === null, 10_000);
      assert.equal((await runMailboxSync(deps, mailboxId, { leaseMs: 30_000 })).kind, 'synced');
      const after = await deps.db
        .selectFrom('message_locations')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('n'),
          eb.fn.count<number | string>('message_id').distinct().as('distinct'),
        ])
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'INBOX')
        .executeTakeFirstOrThrow();
      const final = await deps.db
        .selectFrom('folder_sync_state')
        .select('server_messages')
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'INBOX')
        .executeTakeFirstOrThrow();
      assert.equal(Number(after.n), final.server_messages, 'nothing lost');
      assert.equal(Number(after.distinct), Number(after.n), 'nothing doubled');
      // The finished sync said so in an event, written with the folder's cursor.
      const synced = await deps.db
        .selectFrom('events')
        .selectAll()
        .where('mailbox_id', '=', mailboxId)
        .where('type', '=', 'folder.synced')
        .where('subject_id', '=', 'INBOX')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      assert.equal(JSON.parse(synced.payload_json).stored, Number(after.n));
    });

    test('a send whose lease is lost at DATA stops; the next attempt finds no copy and sends exactly once', async () => {
      const deps = w.app.mailroom.deps;
      // The server takes the message's bytes and never answers: the attempt hangs at DATA.
      await control(w.emu, 'PUT', '/faults/smtp', { mode: 'hold_data', count: 1 });
      const queued = await w.api(w.meganToken, 'POST', `/mailboxes/${w.mailboxes.megan}/send`, {
        to: [ADELE],
        subject: `Held at DATA ${kind}`,
        text: 'once',
      });
      assert.equal(queued.status, 202);
      const id = queued.json.id as string;
      await waitFor(
        () =>
          deps.db
            .selectFrom('outgoing_messages')
            .select('id')
            .where('id', '=', id)
            .where('transmitted', '=', 1)
            .where('state', '=', 'sending')
            .executeTakeFirst(),
        10_000,
      );
      // Another process takes the lease (as if this one had paused past its lifetime): the next renewal
      // finds it gone, and the attempt must stop before the other could send.
      await deps.db
        .updateTable('leases')
        .set({ owner: 'another-process', until: new Date(Date.now() + 2000).toISOString() })
        .where('name', '=', `outgoing:${id}`)
        .execute();
      const stopped = await w.waitFor(w.mailboxes.megan, id, ['queued', 'sent', 'failed']);
      assert.equal(stopped.state, 'queued');
      assert.equal(stopped.attempts, 1);
      const row = await deps.db
        .selectFrom('outgoing_messages')
        .select(['error_code', 'transmitted'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.equal(row.error_code, 'lease.lost');
      assert.equal(row.transmitted, 1, 'the next attempt looks for a delivered copy first');
      const sent = await w.waitFor(w.mailboxes.megan, id, ['sent', 'failed']);
      assert.equal(sent.state, 'sent');
      assert.equal(sent.attempts, 2);
      assert.equal((await copiesIn(w.emu, ADELE, 'INBOX', sent.messageId)).length, 1, 'exactly one copy');
    });
  });
}

import { z } from 'zod';
import { recordAudit } from '../audit/record.ts';
import type { Db } from '../db/database.ts';
import type { User } from '../users/users.table.ts';
import { takeDefaultMailVia } from './default-mail-via.ts';
import type { Mailbox } from './mailbox.ts';
import { findMailbox, findMailboxByAddress, insertMailbox } from './repository.ts';

/** Who may use a system mailbox: users by id, and whole roles. */
export interface SystemMailboxAccess {
  readonly userIds: readonly string[];
  readonly roles: readonly ('staff' | 'administrator')[];
}

export const systemMailboxSchema = z.object({
  label: z.string().trim().min(1, 'Enter a label, such as Support.').max(100),
  // Bounded before the e-mail pattern reads it (RFC 5321 §4.5.3.1.3: a path has at most 256 octets).
  address: z
    .string()
    .max(320, { message: 'An address has at most 320 characters.', abort: true })
    .pipe(z.email('Enter the shared mailbox’s address, such as support@contoso.com.'))
    .transform((a) => a.toLowerCase())
    .describe('The shared mailbox’s e-mail address; fixed once created.'),
  enabled: z.boolean().default(true),
  userIds: z.array(z.string().max(100)).max(10_000).default([]).describe('Staff who may use it, by id'),
  roles: z
    .array(z.enum(['staff', 'administrator']))
    .default([])
    .describe('Whole roles that may use it'),
});

/** PUT: the same, but the address is the mailbox itself: left out, or the same (it cannot change). */
export const systemMailboxUpdateSchema = systemMailboxSchema.partial({ address: true });

export type SystemMailboxInput = z.input<typeof systemMailboxSchema>;

export class SystemMailboxError extends Error {
  constructor(
    readonly code: 'system_mailbox.invalid' | 'system_mailbox.conflict',
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SystemMailboxError';
  }
}

export const accessOf = async (db: Db, mailboxId: string): Promise<SystemMailboxAccess> => {
  const rows = await db
    .selectFrom('system_mailbox_access')
    .select('principal')
    .where('mailbox_id', '=', mailboxId)
    .execute();
  return {
    userIds: rows.filter((r) => r.principal.startsWith('user:')).map((r) => r.principal.slice(5)),
    roles: rows
      .filter((r) => r.principal.startsWith('role:'))
      .map((r) => r.principal.slice(5) as 'staff' | 'administrator'),
  };
};

const parse = (input: unknown) => {
  const parsed = systemMailboxSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]));
  throw new SystemMailboxError('system_mailbox.invalid', Object.values(fields).join(' '), fields);
};

const assertUnique = async (db: Db, label: string, address: string, exceptId: string | null) => {
  const byAddress = await findMailboxByAddress(db, address);
  if (byAddress && byAddress.id !== exceptId)
    throw new SystemMailboxError('system_mailbox.conflict', `${address} is already a mailbox in Mailroom.`, {
      address: 'This address is taken.',
    });
  const byLabel = await db.selectFrom('mailboxes').select('id').where('label', '=', label).executeTakeFirst();
  if (byLabel && byLabel.id !== exceptId)
    throw new SystemMailboxError(
      'system_mailbox.conflict',
      `A system mailbox is already labelled ${label}.`,
      { label: 'This label is taken.' },
    );
};

const writeAccess = async (db: Db, mailboxId: string, access: SystemMailboxAccess) => {
  await db.deleteFrom('system_mailbox_access').where('mailbox_id', '=', mailboxId).execute();
  const principals = [...access.userIds.map((id) => `user:${id}`), ...access.roles.map((r) => `role:${r}`)];
  if (principals.length > 0)
    await db
      .insertInto('system_mailbox_access')
      .values(principals.map((principal) => ({ mailbox_id: mailboxId, principal })))
      .execute();
};

export const createSystemMailbox = async (
  db: Db,
  actor: User,
  input: SystemMailboxInput,
): Promise<Mailbox> => {
  const data = parse(input);
  await assertUnique(db, data.label, data.address, null);
  const mailbox = await takeDefaultMailVia(
    db,
    await insertMailbox(db, {
      kind: 'system',
      ownerUserId: null,
      label: data.label,
      address: data.address,
    }),
  );
  if (!data.enabled)
    await db.updateTable('mailboxes').set({ enabled: 0 }).where('id', '=', mailbox.id).execute();
  await writeAccess(db, mailbox.id, data);
  await recordAudit(db, actor, 'system_mailbox.created', {
    label: data.label,
    address: data.address,
    users: data.userIds.length,
    roles: data.roles,
  });
  return (await findMailbox(db, mailbox.id))!;
};

/** Label, enabled flag and access can change; the address is the mailbox itself and cannot. */
export const updateSystemMailbox = async (
  db: Db,
  actor: User,
  mailbox: Mailbox,
  input: SystemMailboxInput,
): Promise<Mailbox> => {
  const data = parse({ ...input, address: mailbox.address });
  await assertUnique(db, data.label, mailbox.address, mailbox.id);
  await db
    .updateTable('mailboxes')
    .set({ label: data.label, enabled: data.enabled ? 1 : 0, updated_at: new Date().toISOString() })
    .where('id', '=', mailbox.id)
    .execute();
  await writeAccess(db, mailbox.id, data);
  await recordAudit(db, actor, 'system_mailbox.updated', {
    address: mailbox.address,
    label: data.label,
    enabled: data.enabled,
    users: data.userIds.length,
    roles: data.roles,
  });
  return (await findMailbox(db, mailbox.id))!;
};

import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import { type SecretBox, SecretBoxError } from '../secrets/secret-box.ts';
import type { CreateInput, UpdateInput } from './endpoint-input.ts';
import type { WebhookEventType } from './event-types.ts';
import { generateSecret } from './signature.ts';
import type { WebhookEndpointsTable } from './webhooks.table.ts';

/** An endpoint as pages and the API show it: never its secret. */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly WebhookEventType[];
  readonly mailboxId: string | null;
  readonly enabled: boolean;
  /** Why Mailroom turned it off; null while it is on, or when a person turned it off. */
  readonly disabled: { readonly code: string; readonly reason: string; readonly at: string } | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The purpose the secret is sealed for: a sealed value copied to another row does not open. */
export const secretPurpose = (id: string): string => `webhook.secret:${id}`;
export const previousSecretPurpose = (id: string): string => `webhook.previous_secret:${id}`;

/** How long a replaced secret still signs, by default: receivers switch to the new one meanwhile. */
export const DEFAULT_KEEP_PREVIOUS_HOURS = 24;

type EndpointRow = Selectable<WebhookEndpointsTable>;

const rowToEndpoint = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  description: row.description,
  eventTypes: JSON.parse(row.event_types_json) as WebhookEventType[],
  mailboxId: row.mailbox_id,
  enabled: row.enabled === 1,
  disabled:
    row.disabled_code && row.disabled_reason && row.disabled_at
      ? { code: row.disabled_code, reason: row.disabled_reason, at: row.disabled_at }
      : null,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const latestEventId = async (db: Db): Promise<number> => {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
};

/** Registers an endpoint; it gets the events recorded from now on. Returns the secret, shown this once. */
export const createEndpoint = async (
  deps: { readonly db: Db; readonly secrets: SecretBox },
  input: CreateInput,
  userId: string,
  now = new Date(),
): Promise<{ endpoint: WebhookEndpoint; secret: string }> => {
  const id = randomUUID();
  const secret = generateSecret();
  const at = now.toISOString();
  await deps.db
    .insertInto('webhook_endpoints')
    .values({
      id,
      url: input.url,
      description: input.description,
      event_types_json: JSON.stringify(input.eventTypes),
      mailbox_id: input.mailboxId,
      secret_encrypted: deps.secrets.seal(secret, secretPurpose(id)),
      previous_secret_encrypted: null,
      previous_secret_until: null,
      enabled: 1,
      disabled_code: null,
      disabled_reason: null,
      disabled_at: null,
      last_event_id: await latestEventId(deps.db),
      created_by: userId,
      created_at: at,
      updated_at: at,
    })
    .execute();
  return { endpoint: (await findEndpoint(deps.db, id))!, secret };
};

const endpointRow = (db: Db, id: string): Promise<EndpointRow | undefined> =>
  db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();

export const findEndpoint = async (db: Db, id: string): Promise<WebhookEndpoint | undefined> => {
  const row = await endpointRow(db, id);
  return row && rowToEndpoint(row);
};

export const listEndpoints = async (db: Db): Promise<WebhookEndpoint[]> =>
  (await db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at').orderBy('id').execute()).map(
    rowToEndpoint,
  );

/**
 * Changes what was given. Turning an endpoint back on clears why it was turned off; its waiting messages
 * are then sent, oldest first, and the one that failed for good can be resent from the log.
 */
export const updateEndpoint = async (
  db: Db,
  id: string,
  input: Partial<UpdateInput>,
  now = new Date(),
): Promise<WebhookEndpoint | undefined> => {
  await db
    .updateTable('webhook_endpoints')
    .set({
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.eventTypes !== undefined ? { event_types_json: JSON.stringify(input.eventTypes) } : {}),
      ...(input.mailboxId !== undefined ? { mailbox_id: input.mailboxId } : {}),
      ...(input.enabled !== undefined
        ? { enabled: input.enabled ? 1 : 0, disabled_code: null, disabled_reason: null, disabled_at: null }
        : {}),
      updated_at: now.toISOString(),
    })
    .where('id', '=', id)
    .execute();
  return findEndpoint(db, id);
};

export const deleteEndpoint = async (db: Db, id: string): Promise<boolean> => {
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
};

/**
 * A new secret, returned this once. The old one goes on signing beside it (Standard Webhooks: several
 * signatures, space-separated) for `keepPreviousHours`, so receivers can switch without losing a message;
 * 0 revokes it at once (a leaked secret).
 */
export const rotateSecret = async (
  deps: { readonly db: Db; readonly secrets: SecretBox },
  id: string,
  keepPreviousHours = DEFAULT_KEEP_PREVIOUS_HOURS,
  now = new Date(),
): Promise<string | null> => {
  const row = await endpointRow(deps.db, id);
  if (!row) return null;
  // A secret that no longer opens (its key is gone) is simply replaced: rotating is the way out of it.
  const current = openSecrets(deps.secrets, row, now);
  const secret = generateSecret();
  const keep = keepPreviousHours > 0 && !(current instanceof SecretBoxError) && current[0];
  const result = await deps.db
    .updateTable('webhook_endpoints')
    .set({
      secret_encrypted: deps.secrets.seal(secret, secretPurpose(id)),
      previous_secret_encrypted: keep ? deps.secrets.seal(keep, previousSecretPurpose(id)) : null,
      previous_secret_until: keep
        ? new Date(now.getTime() + keepPreviousHours * 3_600_000).toISOString()
        : null,
      updated_at: now.toISOString(),
    })
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? secret : null;
};

/**
 * The secrets that sign now: the current one, and the one it replaced while it still may; or the
 * SecretBoxError of a secret that no longer opens (its key is gone from the keyring).
 */
const openSecrets = (box: SecretBox, row: EndpointRow, now: Date): string[] | SecretBoxError => {
  try {
    const current = box.open(row.secret_encrypted, secretPurpose(row.id));
    const previous =
      row.previous_secret_encrypted &&
      row.previous_secret_until &&
      row.previous_secret_until > now.toISOString()
        ? box.open(row.previous_secret_encrypted, previousSecretPurpose(row.id))
        : null;
    return previous ? [current, previous] : [current];
  } catch (error) {
    if (error instanceof SecretBoxError) return error;
    throw error;
  }
};

/**
 * For the delivery job, in one read: the endpoint and the secrets that sign now (or why they do not
 * open, which the job records as a failed attempt: nothing is sent unsigned).
 */
export const endpointToDeliver = async (
  deps: { readonly db: Db; readonly secrets: SecretBox },
  id: string,
  now: Date,
): Promise<{ endpoint: WebhookEndpoint; secrets: string[] | SecretBoxError } | undefined> => {
  const row = await endpointRow(deps.db, id);
  return row && { endpoint: rowToEndpoint(row), secrets: openSecrets(deps.secrets, row, now) };
};

/** Mailroom turns an endpoint off after its deliveries failed for the whole retry window. */
export const disableEndpoint = (db: Db, id: string, code: string, reason: string, now: Date) =>
  db
    .updateTable('webhook_endpoints')
    .set({
      enabled: 0,
      disabled_code: code,
      disabled_reason: reason.slice(0, 1000),
      disabled_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .where('id', '=', id)
    .execute();

import { z } from 'zod';
import type { Db } from '../../db/database.ts';

export interface AppAccessSettings {
  /** The Enterprise application's object id (what New-ServicePrincipal -ObjectId needs); entered by an admin. */
  readonly enterpriseObjectId: string | null;
  /** Name of the RBAC for Applications management scope; null when the mailboxes are not scoped. */
  readonly scopeName: string | null;
}

export const appAccessSettingsSchema = z.object({
  enterpriseObjectId: z
    .string()
    .trim()
    .pipe(z.uuid('Enter the Object ID shown on Enterprise applications → Mailroom → Overview (a GUID).'))
    .transform((v) => v.toLowerCase())
    .nullable()
    .optional(),
  scopeName: z
    .string()
    .trim()
    .regex(
      /^[A-Za-z0-9 _.-]{1,64}$/,
      'A scope name has 1 to 64 letters, digits, spaces, dots, dashes or underscores.',
    )
    .nullable()
    .optional(),
});

export const loadAppAccessSettings = async (db: Db): Promise<AppAccessSettings> => {
  const row = await db
    .selectFrom('app_access_settings')
    .selectAll()
    .where('id', '=', 'default')
    .executeTakeFirst();
  return { enterpriseObjectId: row?.enterprise_object_id ?? null, scopeName: row?.scope_name ?? null };
};

export const saveAppAccessSettings = async (db: Db, settings: AppAccessSettings): Promise<void> => {
  const values = {
    enterprise_object_id: settings.enterpriseObjectId,
    scope_name: settings.scopeName,
    updated_at: new Date().toISOString(),
  };
  await db
    .insertInto('app_access_settings')
    .values({ id: 'default', ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
};

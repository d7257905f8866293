import type { z } from 'zod';
import type { AppDeps } from '../../http/context.ts';
import { loadMicrosoftSettings } from '../../microsoft/settings.ts';
import type { User } from '../../users/users.table.ts';
import type { Mailbox } from '../mailbox.ts';
import {
  appAccessSettingsSchema,
  loadAppAccessSettings,
  saveAppAccessSettings,
} from './app-access-settings.ts';
import { setupScript } from './powershell.ts';
import { accessModeSchema, appAccessAddresses, setAccessMode } from './set-access-mode.ts';

export const appAccessInputSchema = appAccessSettingsSchema.extend({ access: accessModeSchema });

export class AppAccessInputError extends Error {
  readonly code = 'app_access.invalid';
  constructor(
    message: string,
    readonly fields: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppAccessInputError';
  }
}

/** What the page and the API show: the mode, what the administrator entered, and the setup script. */
export const appAccessView = async (deps: Pick<AppDeps, 'db'>, mailbox: Mailbox) => {
  const settings = await loadAppAccessSettings(deps.db);
  const microsoft = await loadMicrosoftSettings(deps.db);
  const addresses = await appAccessAddresses(deps.db);
  return {
    mailboxId: mailbox.id,
    address: mailbox.address,
    access: mailbox.access,
    enterpriseObjectId: settings.enterpriseObjectId,
    scopeName: settings.scopeName,
    /** Every mailbox with application access; the script and the scope cover all of them. */
    mailboxes: addresses,
    powershell: setupScript({
      clientId: microsoft.clientId,
      settings,
      addresses: addresses.includes(mailbox.address) ? addresses : [...addresses, mailbox.address].sort(),
    }),
  };
};

/**
 * Saves the mode of one mailbox and the installation's application settings (the Enterprise application's
 * object id and the scope name, shared by every mailbox with application access).
 */
export const saveAppAccess = async (
  deps: Pick<AppDeps, 'db'>,
  actor: User,
  mailbox: Mailbox,
  input: unknown,
): Promise<Mailbox> => {
  const parsed = appAccessInputSchema.safeParse(input);
  if (!parsed.success) {
    const fields = Object.fromEntries(
      parsed.error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]),
    );
    throw new AppAccessInputError(Object.values(fields).join(' '), fields);
  }
  const current = await loadAppAccessSettings(deps.db);
  const { access, enterpriseObjectId, scopeName } = parsed.data;
  await saveAppAccessSettings(deps.db, {
    enterpriseObjectId: enterpriseObjectId === undefined ? current.enterpriseObjectId : enterpriseObjectId,
    scopeName: scopeName === undefined ? current.scopeName : scopeName || null,
  });
  return setAccessMode(deps.db, actor, mailbox, access);
};

export type AppAccessInput = z.input<typeof appAccessInputSchema>;

import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { folderPath, type MailStoreLayout } from './maildir.ts';

/**
 * Makes Dovecot give a folder a new UIDVALIDITY, as a rebuilt or restored Exchange folder does: its UID
 * list and indexes are removed, so the next session rescans the Maildir, numbers every message afresh and
 * announces a new UIDVALIDITY (RFC 3501 §2.3.1.1). The messages themselves stay.
 */
export const resetUidValidity = (layout: MailStoreLayout, address: string, folder: string): void => {
  const dir = folderPath(layout, address, folder);
  for (const name of readdirSync(dir)) {
    if (name === 'dovecot-uidlist' || name.startsWith('dovecot.index'))
      rmSync(join(dir, name), { force: true });
  }
};

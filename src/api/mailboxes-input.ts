import { z } from 'zod';
import { SEND_VIA } from '../mailboxes/send-via.ts';

/** What the mailbox routes read (api/mailboxes-api.ts); the OpenAPI document shows the same schemas. */

/** PUT …/folders: the paths to sync; a few thousand fit in the ordinary body limit. */
export const folderSelectionBody = z.object({
  selected: z
    .array(z.string().max(1000))
    .max(10_000)
    .describe('The paths of the folders to sync (as GET …/folders lists them); the others stop syncing.'),
});

const via = z.enum(SEND_VIA).describe('auto: Graph when the mailbox may use it, else IMAP and SMTP.');

/** PUT …/send-via and …/mail-via: one field, named after its route, giving the choice. */
export const viaBodies = {
  sendVia: z.strictObject({ sendVia: via }),
  mailVia: z.strictObject({ mailVia: via }),
};

/** GET …/folders: a GET changes nothing, so `refresh=true` is refused (POST …/folders/refresh). */
export const foldersQuery = z.object({
  refresh: z
    .enum(['false'])
    .optional()
    .describe('Only `false`: retrieving the list over IMAP rewrites it, so it is POST …/folders/refresh.'),
});

/** DELETE …/{id}: `keep` keeps the mailbox and its mail and forgets only the tokens. */
export const deleteQuery = z.object({
  mail: z.enum(['keep', 'delete']).default('delete').describe('keep: disconnect only, keeping the mail.'),
});

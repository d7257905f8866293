import { z } from 'zod';
import { AppError } from '../http/errors.ts';
import type { ComposeMode } from './outgoing.table.ts';

export interface Recipient {
  readonly name: string;
  readonly address: string;
}

export interface AttachmentInput {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
}

/** A message to send, checked: what the compose form and `POST /api/mailboxes/{id}/send` both become. */
export interface ComposeRequest {
  readonly mode: ComposeMode;
  /** Mailroom's id of the message replied to or forwarded (modes other than `new`). */
  readonly originalId: string | null;
  readonly to: readonly Recipient[];
  readonly cc: readonly Recipient[];
  readonly bcc: readonly Recipient[];
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
  readonly attachments: readonly AttachmentInput[];
  /** A forward carries the original's files unless told not to. */
  readonly includeOriginalAttachments: boolean;
}

export const MAX_RECIPIENTS = 500;
const MAX_SUBJECT = 500;
const MAX_TEXT = 2 * 1024 * 1024;
const MAX_ATTACHMENTS = 100;

const email = z.email();
const ANGLE = /^\s*(?:"([^"]*)"|([^<>"]*?))\s*<([^<>\s]+)>\s*$/;

/** `a@b.example` or `Name <a@b.example>` (quotes allowed around the name); null when it is neither. */
export const parseRecipient = (value: string): Recipient | null => {
  const angle = ANGLE.exec(value);
  const name = (angle ? (angle[1] ?? angle[2] ?? '') : '').trim();
  const address = (angle ? angle[3]! : value).trim();
  if (!email.safeParse(address).success) return null;
  if (/[\r\n]/.test(name)) return null;
  return { name, address: address.toLowerCase() };
};

/** A form's recipient field: addresses separated by commas, semicolons or new lines. */
export const splitRecipientList = (value: string): string[] =>
  value
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);

const recipientList = z.array(z.string().max(320)).max(MAX_RECIPIENTS).default([]);

/** What a file name may not hold: a path separator or a control character. */
export const FILENAME_BAD = /[/\\\u0000-\u001f\u007f]/;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

export const composeSchema = z
  .object({
    mode: z.enum(['new', 'reply', 'reply_all', 'forward']).default('new'),
    originalId: z.string().min(1).max(100).nullable().default(null),
    to: recipientList,
    cc: recipientList,
    bcc: recipientList,
    subject: z
      .string()
      .max(MAX_SUBJECT)
      .refine((s) => !/[\r\n]/.test(s), 'A subject is one line.')
      .default(''),
    text: z.string().max(MAX_TEXT).default(''),
    html: z.string().max(MAX_TEXT).nullable().default(null),
    attachments: z
      .array(
        z
          .object({
            filename: z
              .string()
              .min(1)
              .max(255)
              .refine((f) => !FILENAME_BAD.test(f), 'A file name has no slashes or control characters.'),
            contentType: z
              .string()
              .regex(CONTENT_TYPE, 'A MIME type such as application/pdf.')
              .default('application/octet-stream'),
            contentBase64: z.base64('The content is base64.'),
          })
          .strict(),
      )
      .max(MAX_ATTACHMENTS)
      .default([]),
    includeOriginalAttachments: z.boolean().default(true),
  })
  .strict();

/**
 * Checks a send request field by field; every problem is named under its field, so a form can show it
 * beside the field and the API in `error.fields`.
 */
export const parseComposeRequest = (
  body: unknown,
  limits: { maxAttachmentBytes: number },
  files: readonly AttachmentInput[] = [],
): ComposeRequest => {
  const parsed = composeSchema.safeParse(body);
  const fields: Record<string, string> = {};
  const lists = { to: [] as Recipient[], cc: [] as Recipient[], bcc: [] as Recipient[] };
  // Addresses are checked even when another field is wrong, so every problem is named at once.
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  for (const field of ['to', 'cc', 'bcc'] as const) {
    const values = parsed.success ? parsed.data[field] : raw[field];
    if (!Array.isArray(values)) continue;
    const wrong: string[] = [];
    for (const value of values) {
      const recipient = typeof value === 'string' ? parseRecipient(value) : null;
      if (recipient) lists[field].push(recipient);
      else wrong.push(String(value));
    }
    if (wrong.length > 0)
      fields[field] = `Not an e-mail address: ${wrong.map((w) => `“${w.slice(0, 80)}”`).join(', ')}.`;
  }
  if (!parsed.success) {
    for (const issue of parsed.error.issues) fields[issue.path.join('.') || 'body'] ??= issue.message;
    throw new AppError('request.invalid', 'The message cannot be sent as it is.', fields);
  }
  const data = parsed.data;
  const total = lists.to.length + lists.cc.length + lists.bcc.length;
  // A reply with no recipients goes to the original's sender (and, for reply all, its other recipients).
  if (total === 0 && !fields.to && (data.mode === 'new' || data.mode === 'forward'))
    fields.to = 'Add at least one recipient.';
  if (total > MAX_RECIPIENTS) fields.to = `At most ${MAX_RECIPIENTS} recipients in one message.`;
  if (data.mode !== 'new' && !data.originalId)
    fields.originalId = 'A reply or a forward names the message it answers.';
  const attachments = [
    ...files,
    ...data.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType.toLowerCase(),
      content: Buffer.from(a.contentBase64, 'base64'),
    })),
  ];
  const bytes = attachments.reduce((sum, a) => sum + a.content.length, 0);
  if (bytes > limits.maxAttachmentBytes)
    fields.attachments = `Attachments may add up to ${megabytes(limits.maxAttachmentBytes)}; these are ${megabytes(bytes)}.`;
  if (Object.keys(fields).length > 0)
    throw new AppError('request.invalid', 'The message cannot be sent as it is.', fields);
  return {
    mode: data.mode,
    originalId: data.mode === 'new' ? null : data.originalId,
    ...lists,
    subject: data.subject.trim(),
    text: data.text,
    html: data.html,
    attachments,
    includeOriginalAttachments: data.includeOriginalAttachments,
  };
};

export const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

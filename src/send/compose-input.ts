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
/** An address with its display name (RFC 5321 §4.5.3.1 allows 254 for the address alone). */
const MAX_ADDRESS = 320;
/** A form's recipient field: 500 recipients of 100 characters each, longer than any honest list. */
export const MAX_RECIPIENT_FIELD = MAX_RECIPIENTS * 100;
const MAX_SUBJECT = 500;
const MAX_TEXT = 2 * 1024 * 1024;
const MAX_ATTACHMENTS = 100;

const email = z.email();

/**
 * `a@b.example` or `Name <a@b.example>` (quotes allowed around the name); null when it is neither.
 * Read by position rather than by a regular expression: a backtracking one took seconds on a field of
 * spaces, and this runs on whatever people type.
 */
export const parseRecipient = (value: string): Recipient | null => {
  if (value.length > MAX_ADDRESS) return null;
  const { name, address } = nameAndAddress(value.trim());
  if (!email.safeParse(address).success) return null;
  if (name.includes('\r') || name.includes('\n')) return null;
  return { name, address: address.toLowerCase() };
};

/** `Name <address>` or `"Name" <address>` into its parts; anything else is all address. */
const nameAndAddress = (value: string): { name: string; address: string } => {
  const open = value.lastIndexOf('<');
  const address = value.slice(open + 1, -1);
  const name = open >= 0 && value.endsWith('>') ? displayName(value.slice(0, open).trim()) : null;
  if (name === null || address === '' || /[<>\s]/.test(address)) return { name: '', address: value };
  return { name, address };
};

/** A display name as typed: quoted (anything but a quote inside), or plain without `<`, `>` or `"`. */
const displayName = (value: string): string | null => {
  if (!value.startsWith('"')) return /[<>"]/.test(value) ? null : value;
  const inner = value.slice(1, -1);
  return value.length >= 2 && value.endsWith('"') && !inner.includes('"') ? inner.trim() : null;
};

/** A form's recipient field: addresses separated by commas, semicolons or new lines. */
export const splitRecipientList = (value: string): string[] =>
  value
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0);

/**
 * A string refused by its length before anything else reads it: zod runs every check of a schema even
 * after one failed, so without `abort` a pattern would still run over 80,000 characters.
 */
const bounded = (max: number, message: string) => z.string().max(max, { message, abort: true });

const recipientList = z
  .array(bounded(MAX_ADDRESS, `An address has at most ${MAX_ADDRESS} characters.`))
  .max(MAX_RECIPIENTS, `At most ${MAX_RECIPIENTS} recipients in one message.`)
  .default([])
  .describe('`a@b.example` or `Name <a@b.example>`');

/** What a file name may not hold: a path separator or a control character. */
export const FILENAME_BAD = /[/\\\u0000-\u001f\u007f]/;
export const MAX_FILENAME = 255;
/** Both cases spelled out rather than the `i` flag: the OpenAPI document shows this pattern as it is. */
const CONTENT_TYPE = /^[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*\/[a-zA-Z0-9][a-zA-Z0-9!#$&^_.+-]*$/;

export const composeSchema = z
  .object({
    mode: z.enum(['new', 'reply', 'reply_all', 'forward']).default('new'),
    originalId: z
      .string()
      .min(1)
      .max(100)
      .nullable()
      .default(null)
      .describe(
        'Mailroom’s id of the message answered or forwarded (required unless mode is new). A reply gets In-Reply-To, References and the quoted original; with no recipients it goes to the original’s sender (reply_all: and its other recipients).',
      ),
    to: recipientList,
    cc: recipientList,
    bcc: recipientList,
    subject: bounded(MAX_SUBJECT, `A subject has at most ${MAX_SUBJECT} characters.`)
      .refine((s) => !/[\r\n]/.test(s), 'A subject is one line.')
      .default('')
      .describe('Defaults to “Re: …”/“Fwd: …” for replies and forwards'),
    text: z.string().max(MAX_TEXT).default('').describe('The plain-text body'),
    html: z
      .string()
      .max(MAX_TEXT)
      .nullable()
      .default(null)
      .describe('An HTML body beside the text (optional)'),
    attachments: z
      .array(
        z
          .object({
            filename: bounded(MAX_FILENAME, `A file name has at most ${MAX_FILENAME} characters.`)
              .min(1)
              .refine((f) => !FILENAME_BAD.test(f), 'A file name has no slashes or control characters.'),
            contentType: bounded(255, 'A MIME type such as application/pdf.')
              .regex(CONTENT_TYPE, 'A MIME type such as application/pdf.')
              .default('application/octet-stream'),
            contentBase64: z.base64('The content is base64.'),
          })
          .strict(),
      )
      .max(MAX_ATTACHMENTS)
      .default([])
      .describe('Together at most MAILROOM_SEND_MAX_ATTACHMENTS_MB (25 MB by default)'),
    includeOriginalAttachments: z.boolean().default(true).describe('Forward: carry the original’s files'),
  })
  .strict();

/**
 * Checks a send request field by field; every problem is named under its field, so a form can show it
 * beside the field and the API in `error.fields`. `known` holds problems the caller already found.
 */
export const parseComposeRequest = (
  body: unknown,
  limits: { maxAttachmentBytes: number },
  files: readonly AttachmentInput[] = [],
  known: Readonly<Record<string, string>> = {},
): ComposeRequest => {
  const parsed = composeSchema.safeParse(body);
  const fields: Record<string, string> = { ...known };
  const lists = { to: [] as Recipient[], cc: [] as Recipient[], bcc: [] as Recipient[] };
  // Addresses are checked even when another field is wrong, so every problem is named at once; a list
  // or an address too long for the schema is not read at all.
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  for (const field of ['to', 'cc', 'bcc'] as const) {
    const values = parsed.success ? parsed.data[field] : raw[field];
    if (!Array.isArray(values) || values.length > MAX_RECIPIENTS) continue;
    const wrong: string[] = [];
    for (const value of values) {
      const recipient = typeof value === 'string' ? parseRecipient(value) : null;
      if (recipient) lists[field].push(recipient);
      else wrong.push(String(value).slice(0, 80));
    }
    if (values.some((v) => typeof v === 'string' && v.length > MAX_ADDRESS))
      fields[field] ??= `An address has at most ${MAX_ADDRESS} characters.`;
    else if (wrong.length > 0)
      fields[field] ??= `Not an e-mail address: ${wrong.map((w) => `“${w}”`).join(', ')}.`;
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

/** What the compose form posts, each field as typed. */
export interface ComposeForm {
  readonly mode: ComposeMode;
  readonly originalId: string | null;
  readonly to: string;
  readonly cc: string;
  readonly bcc: string;
  readonly subject: string;
  readonly text: string;
  readonly includeOriginalAttachments: boolean;
}

/** The compose form as a send request: a recipient field is bounded before it is split into addresses. */
export const parseComposeForm = (
  form: ComposeForm,
  limits: { maxAttachmentBytes: number },
  files: readonly AttachmentInput[],
): ComposeRequest => {
  const tooLong: Record<string, string> = {};
  const list = (field: 'to' | 'cc' | 'bcc'): string[] => {
    if (form[field].length <= MAX_RECIPIENT_FIELD) return splitRecipientList(form[field]);
    tooLong[field] = `At most ${MAX_RECIPIENT_FIELD.toLocaleString('en')} characters of addresses.`;
    return [];
  };
  const body = { ...form, to: list('to'), cc: list('cc'), bcc: list('bcc') };
  return parseComposeRequest(body, limits, files, tooLong);
};

export const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './context.ts';
import { AppError } from './errors.ts';

/**
 * What any request but a message being sent may carry: the largest honest one is a folder selection of
 * a few thousand paths.
 */
const ORDINARY_BYTES = 1024 * 1024;
/** Fields of an ordinary form (a folder selection has one per folder). */
const MAX_FORM_FIELDS = 10_000;
/** Parts of a multipart form: the compose form's fields and up to 100 files. */
const MAX_PARTS = 200;
/** One part's headers: a 255-character file name, percent-encoded, with its type, fits many times. */
const MAX_PART_HEADER = 2048;

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The two routes that take a message to send with its files; only a signed-in person reaches them. */
const sendsMail = (method: string, path: string): boolean => {
  if (method !== 'POST') return false;
  const parts = path.split('/', 6);
  return (
    parts.length === 5 &&
    ((parts[1] === 'api' && parts[2] === 'mailboxes' && parts[4] === 'send') ||
      (parts[1] === 'mail' && parts[3] === 'compose'))
  );
};

/**
 * Every body is bounded before anything parses it (the CSRF check parses each form, signed in or not):
 * its size, the large limit only for a signed-in person sending mail; a form's number of fields; each
 * multipart header. The platform's parsers cost: a million empty form fields 2 s, 640,000 quotes in a file
 * name 0.3 s (undici's multipart header parsing is quadratic).
 */
export const bodyLimits = (maxAttachmentBytes: number): MiddlewareHandler<AppEnv> => {
  const tooLarge = (max: number) =>
    bodyLimit({
      maxSize: max,
      onError: () => {
        throw new AppError(
          'request.too_large',
          max === ORDINARY_BYTES
            ? `This request is larger than Mailroom accepts (${megabytes(max)}).`
            : `This request is larger than Mailroom accepts (attachments may add up to ${megabytes(maxAttachmentBytes)}).`,
        );
      },
    });
  // Attachments travel as base64 in JSON (4/3) with the message's text.
  const sending = tooLarge(Math.ceil(maxAttachmentBytes * 1.4) + 5 * 1024 * 1024);
  const ordinary = tooLarge(ORDINARY_BYTES);
  return async (c, next) => {
    const limit = c.get('user') && sendsMail(c.req.method, c.req.path) ? sending : ordinary;
    return limit(c, async () => {
      const type = c.req.header('content-type') ?? '';
      const media = type.slice(0, 40).toLowerCase();
      if (media.startsWith('application/x-www-form-urlencoded')) checkFormFields(await c.req.arrayBuffer());
      if (media.startsWith('multipart/form-data')) checkParts(await c.req.arrayBuffer(), boundaryOf(type));
      await next();
    });
  };
};

const refuse = (message: string): never => {
  throw new AppError('request.invalid', message);
};

/** `a=1&b=2`: fields are counted by their separators. */
const checkFormFields = (body: ArrayBuffer): void => {
  const bytes = Buffer.from(body);
  let fields = 1;
  for (let at = bytes.indexOf(0x26); at >= 0; at = bytes.indexOf(0x26, at + 1))
    if (++fields > MAX_FORM_FIELDS) refuse(`A form has at most ${MAX_FORM_FIELDS} fields.`);
};

/** RFC 2046 §5.1.1: a boundary is 1 to 70 characters, quoted or not. */
const boundaryOf = (contentType: string): string | null => {
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))(?:[\s;]|$)/i.exec(
    contentType.slice(0, 1000),
  );
  return match ? (match[1] ?? match[2] ?? null) : null;
};

/** Counts the parts of a multipart body and the length of each part's headers (up to its blank line). */
const checkParts = (body: ArrayBuffer, boundary: string | null): void => {
  if (boundary === null) {
    refuse('A multipart form names its boundary.');
    return;
  }
  const bytes = Buffer.from(body);
  const delimiter = Buffer.from(`--${boundary}`);
  let parts = 0;
  for (let at = bytes.indexOf(delimiter); at >= 0; at = bytes.indexOf(delimiter, at + delimiter.length)) {
    const start = at + delimiter.length;
    if (bytes[start] === 0x2d && bytes[start + 1] === 0x2d) break; // the closing `--boundary--`
    if (++parts > MAX_PARTS) refuse(`A form has at most ${MAX_PARTS} fields and files.`);
    const headers = bytes.subarray(start, start + MAX_PART_HEADER + 4);
    if (headers.indexOf('\r\n\r\n') < 0 && headers.length > MAX_PART_HEADER)
      refuse('A field’s or a file’s name in this form is too long.');
  }
};

import { HTTPException } from 'hono/http-exception';
import { validator } from 'hono/validator';
import type { z } from 'zod';
import { AppError } from './errors.ts';

/**
 * The API's request boundary: a route declares its body (`jsonInput`) or its query (`queryInput`) with a
 * zod schema, Hono's validator runs it before the handler, and the handler reads `c.req.valid('json')`,
 * typed from the schema. The OpenAPI document is built from the same schema objects (api/openapi-
 * helpers.ts), and `declaredInputOf` lets a test read each route's schema back from the app.
 */
export type InputTarget = 'json' | 'query';

export interface DeclaredInput {
  readonly target: InputTarget;
  readonly schema: z.ZodType;
  /** The body may be left out: it is then read as `{}`. */
  readonly optional: boolean;
}

const declared = new WeakMap<object, DeclaredInput>();

/** What a route's middleware declares it reads, or undefined for a handler that is not an input. */
export const declaredInputOf = (handler: unknown): DeclaredInput | undefined =>
  typeof handler === 'function' ? declared.get(handler) : undefined;

/** Zod's issues as `{ field: message }`: the field is the issue's path (`attachments.0.filename`). */
export const issueFields = (error: z.ZodError, whole: string): Record<string, string> => {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[issue.path.join('.') || whole] ??= issue.message;
  return fields;
};

/** Zod's issues as `{ field: message }` by top-level field (`eventTypes`, not `eventTypes.0`). */
export const topFields = (error: z.ZodError, whole: string): Record<string, string> => {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) fields[String(issue.path[0] ?? whole)] ??= issue.message;
  return fields;
};

/** `error.message`: fixed, or made of the fields' messages. */
type Message = string | ((fields: Record<string, string>) => string);

/** The schema's output, or the API's 400 `request.invalid` naming each field that is wrong. */
const parseOr400 = <S extends z.ZodType>(
  schema: S,
  value: unknown,
  message: Message,
  fieldsOf: (error: z.ZodError) => Record<string, string>,
  code: InvalidCode = 'request.invalid',
) => {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as z.output<S>;
  const fields = fieldsOf(parsed.error);
  throw new AppError(code, typeof message === 'string' ? message : message(fields), fields);
};

/** The 400s a body's fields may earn: request.invalid, or the feature's own code where it had one first. */
type InvalidCode = 'request.invalid' | 'settings.invalid' | 'certificate.invalid' | 'system_mailbox.invalid';

export interface JsonInputOptions<T> {
  /** `error.message` when a field is wrong (the fields say which). */
  readonly message: Message;
  /** No body at all is read as `{}` (the schema's defaults); without this, it is a 400. */
  readonly optional?: boolean;
  /** A check beyond the schema (several fields at once, configuration); it throws its own AppError. */
  readonly parse?: (body: unknown) => T;
  /** How zod's issues become `error.fields`; by default each issue's path (issueFields). */
  readonly fields?: (error: z.ZodError) => Record<string, string>;
  /** `error.code` when a field is wrong; request.invalid by default. */
  readonly code?: InvalidCode;
}

/** application/json, or a `+json` type (RFC 6839). */
const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/;
const mediaTypeOf = (contentType: string | undefined) =>
  (contentType ?? '').slice(0, 100).split(';')[0]?.trim().toLowerCase() ?? '';

const refuse = (message: string, cause?: unknown): never => {
  throw new AppError('request.invalid', message, {}, { cause });
};

/**
 * The JSON body, checked by `schema` (or by `options.parse`, which is given the body and must itself
 * apply the schema). Refused with a 400 `request.invalid`: a body that is not JSON, one sent under
 * another content type, none where one is required. bodyLimits (http/body-limits.ts) bounds it first.
 */
export const jsonInput = <S extends z.ZodType, T = z.output<S>>(schema: S, options: JsonInputOptions<T>) => {
  const fields = options.fields ?? ((error: z.ZodError) => issueFields(error, 'body'));
  const parse =
    options.parse ??
    ((body: unknown) => parseOr400(schema, body, options.message, fields, options.code) as T);
  const check = validator('json', (value: unknown): T => parse(value));
  const middleware: typeof check = async (c, next) => {
    // Cached by Hono: the validator's own c.req.json() reads this text, not the stream again.
    const text = await c.req.text();
    if (text.trim() === '') {
      if (!options.optional) refuse('This request needs a JSON body (Content-Type: application/json).');
      c.req.addValidatedData('json', parse({}) as object);
      return next();
    }
    if (!JSON_MEDIA.test(mediaTypeOf(c.req.header('content-type'))))
      refuse('Send the body as JSON, with Content-Type: application/json.');
    try {
      return await check(c, next);
    } catch (error) {
      // Hono's validator throws this before it validates anything when JSON.parse fails; no data
      // validated yet tells it from an HTTPException of a later handler.
      if (error instanceof HTTPException && c.req.valid('json' as never) === undefined)
        refuse('The body is not valid JSON.', error);
      throw error;
    }
  };
  declared.set(middleware, { target: 'json', schema, optional: options.optional ?? false });
  return middleware;
};

/**
 * The query string, checked by `schema` (an object of strings, coerced where it says so); a wrong
 * parameter is a 400 `request.invalid` naming it.
 */
export const queryInput = <S extends z.ZodType>(schema: S, message: string) => {
  const check = validator('query', (value: unknown) =>
    parseOr400(schema, value, message, (e) => issueFields(e, 'query')),
  );
  declared.set(check, { target: 'query', schema, optional: true });
  return check;
};

import type { Context } from 'hono';
import type { z } from 'zod';
import { DirectoryError } from '../state/create.ts';

export type ControlErrorCode = 'invalid_request' | 'not_found' | 'conflict' | 'mail_not_running';

export const controlError = (c: Context, status: 400 | 404 | 409, code: ControlErrorCode, message: string) =>
  c.json({ error: { code, message } }, status);

/** Parses a JSON body with a zod schema; the caller gets the data or a 400 answer to return. */
export const parseBody = async <T extends z.ZodType>(
  c: Context,
  schema: T,
): Promise<{ ok: true; data: z.infer<T> } | { ok: false; response: Response }> => {
  const raw = await c.req.json().catch(() => undefined);
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return { ok: true, data: parsed.data };
  const message = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
  return { ok: false, response: controlError(c, 400, 'invalid_request', message) };
};

/** Turns the directory's typed errors into answers; anything else is a bug and propagates. */
export const withDirectoryErrors = (
  c: Context,
  run: () => Response | Promise<Response>,
): Response | Promise<Response> => {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof DirectoryError)) throw error;
    if (error.code === 'not_found') return controlError(c, 404, 'not_found', error.message);
    if (error.code === 'conflict') return controlError(c, 409, 'conflict', error.message);
    return controlError(c, 400, 'invalid_request', error.message);
  }
};

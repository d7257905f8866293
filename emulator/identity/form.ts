import type { Context } from 'hono';

/** The string fields of an `application/x-www-form-urlencoded` (or multipart) body; files are ignored. */
export const readForm = async (c: Context): Promise<Record<string, string>> => {
  const body = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields[name] = value;
  return fields;
};

/** Query parameters for GET, form fields for POST (both are allowed on /authorize and /logout). */
export const requestParams = async (c: Context): Promise<Record<string, string>> =>
  c.req.method === 'POST' ? { ...c.req.query(), ...(await readForm(c)) } : c.req.query();

import type { Context } from 'hono';
import { badRequest } from './errors.ts';

/** The request's JSON body; a body that is not JSON is Graph's 400, anything else propagates. */
export const jsonBody = async (c: Context): Promise<unknown> => {
  try {
    return await c.req.json();
  } catch (error) {
    if (error instanceof SyntaxError) throw badRequest('Empty Payload. JSON content expected.');
    throw error;
  }
};

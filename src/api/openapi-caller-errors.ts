/**
 * The answers of src/http/auth.ts to a caller without credentials, added to every operation of the
 * OpenAPI document that needs one (test/app/openapi-contract.test.ts calls each that way).
 */
import { errorResponse } from './openapi-helpers.ts';

const UNSAFE = new Set(['post', 'put', 'patch', 'delete']);
const CSRF = '`csrf.invalid`: a browser session without an API token and no X-CSRF-Token';

type Responses = Record<string, { description: string }>;

/**
 * The answers every operation that needs a caller may give besides its own (src/http/auth.ts): 401
 * `auth.required` without an API token or session, and on POST, PUT, PATCH and DELETE 403 `csrf.invalid`,
 * which the CSRF check gives before the route runs when a browser session sent no CSRF token.
 */
export const withCallerErrors = <T extends Record<string, Record<string, object>>>(paths: T): T =>
  Object.fromEntries(
    Object.entries(paths).map(([path, operations]) => [
      path,
      Object.fromEntries(
        Object.entries(operations).map(([method, op]) => {
          const operation = op as { security?: unknown[]; responses: Responses };
          if (operation.security?.length === 0) return [method, op];
          const responses: Responses = { ...operation.responses };
          responses[401] ??= errorResponse('`auth.required`: no API token nor session');
          if (UNSAFE.has(method))
            responses[403] = responses[403]
              ? { ...responses[403], description: `${responses[403].description}; or ${CSRF}` }
              : errorResponse(CSRF);
          return [method, { ...op, responses }];
        }),
      ),
    ]),
  ) as T;

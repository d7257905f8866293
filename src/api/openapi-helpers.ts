/** Small builders for the hand-written OpenAPI document's pieces (src/api/openapi.ts and its parts). */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});

export const json = (description: string, schema: unknown) => ({
  description,
  content: { 'application/json': { schema } },
});

export const path = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

/** A required JSON request body. */
export const jsonBody = (schema: unknown) => ({
  required: true,
  content: { 'application/json': { schema } },
});

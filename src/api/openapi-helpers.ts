import { z } from 'zod';

/** Small builders for the OpenAPI document's pieces (src/api/openapi.ts and its parts). */
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

/**
 * What a request schema accepts, as JSON Schema 2020-12 (OpenAPI 3.1's dialect): the input side, so
 * defaults and transforms read as what a client sends. Refinements (a URL's scheme, a base64 text) have
 * no JSON Schema form; their messages come back in `error.fields`.
 */
export const requestSchema = (schema: z.ZodType): Record<string, unknown> => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  });
  return rest;
};

/** A JSON request body, described by the schema the route validates it with (http/validate.ts). */
export const jsonBody = (schema: z.ZodType, options: { optional?: boolean } = {}) => ({
  required: !options.optional,
  content: { 'application/json': { schema: requestSchema(schema) } },
});

/** The query parameters of a route, one per property of the object schema its queryInput uses. */
export const queryParameters = (schema: z.ZodType) => {
  const object = requestSchema(schema) as {
    properties?: Record<string, { description?: string }>;
    required?: string[];
  };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: object.required?.includes(name) ?? false,
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
};

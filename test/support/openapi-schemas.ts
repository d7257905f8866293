/**
 * Checks real API answers against the OpenAPI document's response schemas (JSON Schema 2020-12, as
 * OpenAPI 3.1 uses). The document is added to ajv once; each response schema is compiled on first use by
 * its JSON pointer, so `#/components/schemas/…` references resolve inside the same document.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

const DOC_ID = 'https://mailroom.test/openapi.json';

// biome-ignore lint/suspicious/noExplicitAny: the document is whatever /api/openapi.json served.
type Json = any;

export interface OpenApiDocument {
  readonly openapi: string;
  readonly components: { readonly schemas: Record<string, unknown> };
  readonly paths: Record<string, Record<string, Operation>>;
}

export interface Operation {
  readonly parameters?: readonly { name: string; in: string }[];
  readonly requestBody?: { required?: boolean; content: Record<string, unknown> };
  readonly responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/** The formats the document uses, checked plainly (ajv-formats is not a dependency). */
const FORMATS: Record<string, (value: string) => boolean> = {
  // RFC 3339 §5.6, as toISOString() writes it (fraction and offset optional).
  'date-time': (v) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) &&
    !Number.isNaN(Date.parse(v)),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  uri: (v) => URL.canParse(v),
  email: (v) => /^[^\s@]+@[^\s@]+$/.test(v),
  binary: () => true,
};

/** `/api/mailboxes/{id}` → the JSON pointer segment `~1api~1mailboxes~1{id}` (RFC 6901 §3). */
const pointerSegment = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** Validators of the document's request and response bodies. */
export const schemaChecker = (doc: OpenApiDocument) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  for (const [name, check] of Object.entries(FORMATS)) ajv.addFormat(name, check);
  ajv.addSchema(doc as Json, DOC_ID);
  const compiled = new Map<string, ValidateFunction>();
  const problemsAt = (pointer: string, body: unknown): string[] => {
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOC_ID}${pointer}` });
      compiled.set(pointer, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
    );
  };
  const operationPointer = (method: string, path: string) => `#/paths/${pointerSegment(path)}/${method}`;

  return {
    /**
     * The problems of `body` against the schema of `method path` answering `status` as JSON; an empty
     * list when it validates. A problem too when the document has no JSON schema for that answer.
     */
    response(method: string, path: string, status: number, body: unknown): string[] {
      const content = doc.paths[path]?.[method]?.responses[String(status)]?.content?.['application/json'];
      if (!content?.schema) return [`${method.toUpperCase()} ${path} ${status}: no JSON schema documented`];
      return problemsAt(
        `${operationPointer(method, path)}/responses/${status}/content/application~1json/schema`,
        body,
      );
    },
    /** The problems of a request body the walk sends, against the documented request body. */
    request(method: string, path: string, body: unknown): string[] {
      const content = doc.paths[path]?.[method]?.requestBody?.content['application/json'] as
        | { schema?: unknown }
        | undefined;
      if (!content?.schema) return [`${method.toUpperCase()} ${path}: no JSON request body documented`];
      return problemsAt(
        `${operationPointer(method, path)}/requestBody/content/application~1json/schema`,
        body,
      );
    },
  };
};

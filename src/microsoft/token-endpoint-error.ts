import { z } from 'zod';

/**
 * An error answer of the Microsoft identity platform's token endpoint (ms-identity-spec.md §6.6).
 * Branch on `error` and the AADSTS number, never on `error_description` text (spec §0 rule 1).
 */
export interface MicrosoftTokenError {
  readonly status: number;
  readonly error: string;
  readonly aadsts: number | null;
  readonly suberror: string | null;
  readonly description: string;
  readonly traceId: string | null;
  readonly correlationId: string | null;
  readonly timestamp: string | null;
  readonly retryAfterSeconds: number | null;
}

const envelope = z.object({
  error: z.string(),
  error_description: z.string().optional(),
  error_codes: z.array(z.number()).optional(),
  suberror: z.string().optional(),
  trace_id: z.string().optional(),
  correlation_id: z.string().optional(),
  timestamp: z.string().optional(),
});

/** Reads an error envelope; `null` when the body is not one (an HTML page from a proxy, say). */
export const parseTokenError = (
  status: number,
  body: unknown,
  retryAfter: string | null,
): MicrosoftTokenError | null => {
  const parsed = envelope.safeParse(body);
  if (!parsed.success) return null;
  const e = parsed.data;
  const fromText = /AADSTS(\d+)/.exec(e.error_description ?? '')?.[1];
  const seconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) : null;
  return {
    status,
    error: e.error,
    aadsts: e.error_codes?.[0] ?? (fromText ? Number(fromText) : null),
    suberror: e.suberror ?? null,
    // The first line only: the rest repeats trace and correlation ids kept in their own fields.
    description: (e.error_description ?? '').split(/\r?\n/)[0] ?? '',
    traceId: e.trace_id ?? null,
    correlationId: e.correlation_id ?? null,
    timestamp: e.timestamp ?? null,
    retryAfterSeconds: seconds,
  };
};

import { randomUUID } from 'node:crypto';
import type { AadError } from './aad-error.ts';

/** The ids and time every AADSTS error carries (ms-identity-spec.md §2.3, §6.6). */
export interface ErrorStamp {
  readonly traceId: string;
  readonly correlationId: string;
  /** `2021-10-29 17:16:31Z` */
  readonly timestamp: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const formatTimestamp = (ms: number): string =>
  `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;

/** `correlation_id` echoes the client's `client-request-id` when it sent one (§6.6 [?]). */
export const stampError = (nowMs: number, clientRequestId?: string | null): ErrorStamp => ({
  traceId: randomUUID(),
  correlationId: clientRequestId && GUID.test(clientRequestId) ? clientRequestId.toLowerCase() : randomUUID(),
  timestamp: formatTimestamp(nowMs),
});

/** `AADSTS50173: …\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …` */
export const describeError = (err: AadError, stamp: ErrorStamp): string =>
  `AADSTS${err.aadsts}: ${err.text}\r\nTrace ID: ${stamp.traceId}\r\nCorrelation ID: ${stamp.correlationId}\r\nTimestamp: ${stamp.timestamp}`;

export const errorUri = (authority: string, err: AadError): string => `${authority}/error?code=${err.aadsts}`;

/** The JSON error body of the token and discovery endpoints, fields in Microsoft's order (§6.6). */
export const errorEnvelope = (
  err: AadError,
  stamp: ErrorStamp,
  authority: string,
): Record<string, unknown> => {
  const body: Record<string, unknown> = {
    error: err.error,
    error_description: describeError(err, stamp),
    error_codes: [err.aadsts],
    timestamp: stamp.timestamp,
    trace_id: stamp.traceId,
    correlation_id: stamp.correlationId,
    error_uri: errorUri(authority, err),
  };
  if (err.suberror) body.suberror = err.suberror;
  return body;
};

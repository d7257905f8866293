import { randomUUID } from 'node:crypto';

/** Response headers of the discovery and keys documents (ms-identity-spec.md §2.1); cookies are omitted. */
export const metadataHeaders = (): Record<string, string> => ({
  'Cache-Control': 'max-age=86400, private',
  'Content-Type': 'application/json; charset=utf-8',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, OPTIONS',
  'x-ms-request-id': randomUUID(),
  'x-ms-ests-server': '2.1.18874.4 - NEULR1 ProdSlices',
});

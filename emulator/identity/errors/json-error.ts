import type { Context } from 'hono';
import { authorityOf } from '../../context.ts';
import { now } from '../../state/directory.ts';
import type { IdentityDeps } from '../deps.ts';
import type { AadError } from './aad-error.ts';
import { errorEnvelope, stampError } from './envelope.ts';

/** Headers of every token-endpoint answer, success or error (ms-identity-spec.md §6.1). */
export const tokenHeaders = (traceId: string, aadsts: number): Record<string, string> => ({
  'Cache-Control': 'no-store, no-cache',
  Pragma: 'no-cache',
  'Content-Type': 'application/json; charset=utf-8',
  Expires: '-1',
  'x-ms-request-id': traceId,
  'x-ms-ests-server': '2.1.18874.4 - NEULR1 ProdSlices',
  'x-ms-clitelem': `1,${aadsts},0,,`,
});

/** Answers an AADSTS error as the §6.6 JSON envelope. */
export const jsonError = (
  deps: IdentityDeps,
  c: Context,
  err: AadError,
  extra: Record<string, string> = {},
): Response => {
  const clientRequestId = c.req.header('client-request-id') ?? null;
  const stamp = stampError(now(deps.ctx.dir), clientRequestId);
  const body = errorEnvelope(err, stamp, authorityOf(deps.ctx, c.req.url));
  return new Response(JSON.stringify(body), {
    status: err.status,
    headers: { ...tokenHeaders(stamp.traceId, err.aadsts), ...extra },
  });
};

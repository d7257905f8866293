import type { GraphErrorContext } from './graph-advice.ts';
import { GraphError, type GraphErrorCode } from './graph-error.ts';

const TIMEOUT = new Set([
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const codeOf = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'string'
    ? value.code
    : '';
const nameOf = (value: unknown): string =>
  typeof value === 'object' && value !== null && 'name' in value && typeof value.name === 'string'
    ? value.name
    : '';

const isTls = (code: string) =>
  code.startsWith('ERR_TLS_') ||
  code.startsWith('ERR_SSL_') ||
  code.startsWith('CERT_') ||
  code.includes('SELF_SIGNED') ||
  code.startsWith('UNABLE_TO_') ||
  code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
  code === 'HOSTNAME_MISMATCH';

/**
 * What fetch (undici) threw → GraphError. undici wraps socket failures as `TypeError: fetch failed` with the
 * system error as `cause`; an AbortSignal ends it with the signal's reason (`TimeoutError` for
 * AbortSignal.timeout, `AbortError` for a caller's abort).
 */
export const graphErrorFromThrown = (
  error: unknown,
  context: GraphErrorContext,
  how: { readonly callerAborted: boolean },
): GraphError => {
  if (error instanceof GraphError) return error;
  const cause = typeof error === 'object' && error !== null && 'cause' in error ? error.cause : undefined;
  const code = codeOf(cause) || codeOf(error);
  const name = nameOf(error);
  // Anything else (ECONNREFUSED, ECONNRESET, ENOTFOUND, UND_ERR_SOCKET…) is a host not reached, retried later.
  let graphCode: GraphErrorCode = 'graph.unreachable';
  if (how.callerAborted) graphCode = 'graph.aborted';
  else if (name === 'TimeoutError' || TIMEOUT.has(code)) graphCode = 'graph.timeout';
  else if (isTls(code)) graphCode = 'graph.tls';
  return new GraphError(graphCode, {}, context, { cause: error });
};

import type { Directory } from '../../state/directory.ts';
import type { AadError } from '../errors/aad-error.ts';
import { aadsts } from '../errors/aadsts.ts';

/**
 * The injected token-endpoint fault (`dir.knobs.tokenEndpointFault`), consumed one request at a time:
 * 429 or 5xx with `temporarily_unavailable` and an optional Retry-After (ms-identity-spec.md §6.7).
 */
export const takeFault = (dir: Directory): { err: AadError; retryAfterSeconds: number | null } | null => {
  const fault = dir.knobs.tokenEndpointFault;
  if (!fault || fault.remaining <= 0) return null;
  fault.remaining--;
  const err = fault.status === 429 ? aadsts.throttled() : aadsts.transient(fault.status);
  return { err, retryAfterSeconds: fault.retryAfterSeconds };
};

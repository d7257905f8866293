import { randomUUID } from 'node:crypto';
import type { EmulatorContext } from '../context.ts';
import type { IdTokenFaultMode } from '../state/model.ts';

/** Takes one forged-token order set through the control API (`PUT /_emulator/faults/id-token`). */
export const takeIdTokenFault = (ctx: EmulatorContext): IdTokenFaultMode | null => {
  const fault = ctx.dir.knobs.idTokenFault;
  if (!fault) return null;
  fault.remaining -= 1;
  if (fault.remaining <= 0) ctx.dir.knobs.idTokenFault = null;
  return fault.mode;
};

/** Makes the claims wrong in the way asked for; the token is still signed by a published key. */
export const forgeClaims = (
  mode: IdTokenFaultMode,
  claims: Record<string, unknown>,
  authority: string,
): void => {
  const now = Number(claims.iat);
  switch (mode) {
    case 'iss_tid_mismatch':
      // Issued "by" another tenant while claiming the user's: the multi-tenant trap of spec §4.
      claims.iss = `${authority}/${randomUUID()}/v2.0`;
      break;
    case 'wrong_aud':
      claims.aud = randomUUID();
      break;
    case 'expired':
      claims.iat = now - 7200;
      claims.nbf = now - 7200;
      claims.exp = now - 3600;
      break;
    case 'wrong_nonce':
      claims.nonce = 'forged-nonce';
      break;
    case 'bad_signature':
      break;
  }
};

/** Alters the signature bytes so it no longer verifies. */
export const breakSignature = (jwt: string): string => {
  const [header, payload, signature = ''] = jwt.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
};

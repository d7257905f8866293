// AADSTS errors of client assertions (private_key_jwt) and key credentials, with the texts seen from
// Entra (app-only-spec.md §3 "Errors"). All `invalid_client`, HTTP 401.
import { AadError } from './aad-error.ts';

const isoWithTicks = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}.0000000Z`;

const PORTAL =
  "Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '";

export const assertionErrors = {
  /** No key of the app has the assertion's thumbprint (or it named none: a `kid` alone is not enough). */
  assertionKeyNotFound: (clientId: string, thumbprintHex: string) =>
    new AadError(
      'invalid_client',
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprintHex}', ${PORTAL}${clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments if you are not using a national cloud.]`,
    ),
  assertionKeyExpired: (clientId: string, thumbprintHex: string, startsAt: number, expiresAt: number) =>
    new AadError(
      'invalid_client',
      700027,
      `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${thumbprintHex}', Found key 'Start=${new Date(startsAt).toISOString()}, End=${new Date(expiresAt).toISOString()}', ${PORTAL}${clientId}'.]`,
    ),
  assertionBadSignature: () =>
    new AadError('invalid_client', 700027, 'Client assertion failed signature validation.'),
  assertionNotInTime: (nowMs: number, nbfSeconds: number | undefined, expSeconds: number | undefined) =>
    new AadError(
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range. Current time: ${isoWithTicks(nowMs)}, assertion valid from ${isoWithTicks((nbfSeconds ?? 0) * 1000)}, expiry time of assertion ${isoWithTicks((expSeconds ?? 0) * 1000)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
    ),
  assertionWrongAudience: () =>
    new AadError('invalid_client', 700023, 'Client assertion audience claim does not match Realm issuer.'),
  assertionMalformed: () => new AadError('invalid_client', 50027, 'JWT token is invalid or malformed.'),
  assertionWrongIssuer: () =>
    new AadError(
      'invalid_client',
      50027,
      'Invalid JWT token. The client assertion must have the client id as its issuer and subject.',
    ),
  assertionTypeUnsupported: () =>
    new AadError(
      'invalid_request',
      7000219,
      "'client_assertion_type' should be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
    ),
};

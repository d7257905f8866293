/** Failures of Mailroom's Microsoft identity client, each with a stable code (STYLE.md 5). */
export type IdentityErrorCode =
  | 'microsoft.not_configured'
  | 'microsoft.unreachable'
  | 'microsoft.discovery_invalid'
  | 'microsoft.token_error'
  | 'microsoft.token_response_invalid'
  | 'id_token.malformed'
  | 'id_token.unknown_key'
  | 'id_token.bad_signature'
  | 'id_token.wrong_audience'
  | 'id_token.expired'
  | 'id_token.not_yet_valid'
  | 'id_token.issued_in_future'
  | 'id_token.nonce_mismatch'
  | 'id_token.tid_not_guid'
  | 'id_token.issuer_mismatch'
  | 'id_token.key_issuer_mismatch';

export class IdentityError extends Error {
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
    /** Microsoft's answer when there was one (`error`, AADSTS, trace and correlation ids). */
    readonly microsoft?: import('./token-endpoint-error.ts').MicrosoftTokenError,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IdentityError';
  }
}

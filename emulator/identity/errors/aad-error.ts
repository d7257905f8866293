// The errors the identity platform answers with: an OAuth `error` string, an AADSTS number and its text
// (ms-identity-spec.md §5.3, §5.4, §6.6). The text is diagnostic only; clients branch on `error`/`suberror`.

export type OAuthError =
  | 'invalid_request'
  | 'invalid_grant'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_resource'
  | 'invalid_tenant'
  | 'interaction_required'
  | 'login_required'
  | 'consent_required'
  | 'access_denied'
  | 'temporarily_unavailable'
  | 'server_error';

/** `suberror` values seen on /token (ms-identity-spec.md §6.6). */
export type Suberror =
  | 'bad_token'
  | 'consent_required'
  | 'basic_action'
  | 'additional_action'
  | 'message_only';

export class AadError extends Error {
  readonly status: number;
  readonly suberror: Suberror | null;

  constructor(
    readonly error: OAuthError,
    readonly aadsts: number,
    readonly text: string,
    options: { status?: number; suberror?: Suberror } = {},
  ) {
    super(`AADSTS${aadsts}: ${text}`);
    this.name = 'AadError';
    // §6.6: 400 for most, 401 for invalid_client.
    this.status = options.status ?? (error === 'invalid_client' ? 401 : 400);
    this.suberror = options.suberror ?? null;
  }
}

/** Stable error codes of the HTTP surface; each maps to one status and reads well as `error.code` in the API. */
export type AppErrorCode =
  | 'auth.required'
  | 'auth.forbidden'
  | 'auth.invalid_credentials'
  | 'auth.rate_limited'
  | 'csrf.invalid'
  | 'request.invalid'
  | 'settings.invalid'
  | 'certificate.invalid'
  | 'system_mailbox.invalid'
  | 'request.not_found'
  | 'request.too_large'
  | 'setup.closed'
  | 'send.forbidden'
  | 'send.mailbox_disabled'
  | 'send.mailbox_not_connected'
  | 'send.idempotency_conflict'
  | 'send.not_retryable'
  | 'send.not_found'
  | 'diagnose.in_progress'
  | 'internal';

export type AppErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500;

const STATUS: Record<AppErrorCode, AppErrorStatus> = {
  'auth.required': 401,
  'auth.forbidden': 403,
  'auth.invalid_credentials': 401,
  'auth.rate_limited': 429,
  'csrf.invalid': 403,
  'request.invalid': 400,
  'settings.invalid': 400,
  'certificate.invalid': 400,
  'system_mailbox.invalid': 400,
  'request.not_found': 404,
  'request.too_large': 413,
  'setup.closed': 404,
  'send.forbidden': 403,
  'send.mailbox_disabled': 409,
  'send.mailbox_not_connected': 409,
  'send.idempotency_conflict': 409,
  'send.not_retryable': 409,
  'send.not_found': 404,
  'diagnose.in_progress': 409,
  internal: 500,
};

export class AppError extends Error {
  readonly status: AppErrorStatus;
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly fields: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.status = STATUS[code];
  }
}

/** The API's error body: `{ "error": { "code", "message", "fields"? } }`. */
export const errorBody = (code: string, message: string, fields?: Record<string, string>) => ({
  error: { code, message, ...(fields && Object.keys(fields).length > 0 ? { fields } : {}) },
});

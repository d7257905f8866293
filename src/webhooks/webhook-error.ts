/** Why a webhook could not be registered or delivered; stable codes, shown in the delivery log. */
export type WebhookErrorCode =
  | 'webhook.private_address'
  | 'webhook.dns_failed'
  | 'webhook.connect_failed'
  | 'webhook.tls_failed'
  | 'webhook.timeout'
  | 'webhook.redirect'
  | 'webhook.http_status'
  | 'webhook.secret_unavailable';

export class WebhookError extends Error {
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WebhookError';
  }
}

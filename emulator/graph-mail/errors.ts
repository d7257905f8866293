import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { EmulatorContext } from '../context.ts';
import { now } from '../state/directory.ts';

/** The Graph error codes the emulator answers with (graph-mail-spec.md §6), each with its status. */
export type GraphErrorCode =
  | 'InvalidAuthenticationToken'
  | 'BadRequest'
  | 'ErrorAccessDenied'
  | 'ErrorSendAsDenied'
  | 'ErrorItemNotFound'
  | 'ErrorInvalidUser'
  | 'MailboxNotEnabledForRESTAPI'
  | 'ApplicationThrottled'
  | 'TooManyRequests'
  | 'serviceNotAvailable'
  | 'SyncStateNotFound'
  | 'ErrorInvalidRecipients'
  | 'ErrorMimeContentInvalidBase64String'
  | 'ErrorMessageSizeExceeded'
  | 'RequestBodyTooLarge'
  | 'InvalidInternetMessageHeaderCollection'
  | 'ErrorInvalidIdMalformed'
  | 'ErrorInvalidRequest'
  | 'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize'
  | 'ErrorInvalidProperty'
  | 'generalException';

/** A refusal on its way to the client: thrown by any step, answered once by the route wrapper. */
export class GraphError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: GraphErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

// Literal texts, as quoted in graph-mail-spec.md §1 and §6.
export const TEXT = {
  accessDenied: 'Access is denied. Check credentials and try again.',
  itemNotFound: 'The specified object was not found in the store.',
  sendAsDenied:
    'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message.',
  restDisabled: 'REST API is not yet supported for this mailbox.',
  mailboxConcurrency: 'Application is over its MailboxConcurrency limit.',
  tooManyRequests: 'Please retry again later.',
  serviceUnavailable: 'The service is currently unavailable. Please try again later.',
  invalidBase64: 'Invalid base64 string for MIME content.',
  noRecipients:
    'At least one recipient is not valid., A message can\u2019t be sent because it contains no recipients.',
  tooManyHeaders: 'Maximum number of headers in one message should be less than or equal to 5.',
  sizeExceeded: 'The message exceeds the maximum supported size.',
} as const;

/** `WWW-Authenticate` Graph puts on every 401 (graph-mail-spec.md §6). */
const WWW_AUTHENTICATE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

/**
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}` with a fresh request id,
 * the client's `client-request-id` echoed (graph-mail-spec.md §6).
 */
export const graphErrorResponse = (ctx: EmulatorContext, c: Context, error: GraphError): Response => {
  const requestId = crypto.randomUUID();
  const clientRequestId = c.req.header('client-request-id') ?? requestId;
  const headers: Record<string, string> = {
    'request-id': requestId,
    'client-request-id': clientRequestId,
    ...error.headers,
  };
  if (error.status === 401) headers['WWW-Authenticate'] = WWW_AUTHENTICATE;
  const innerError = {
    date: new Date(now(ctx.dir)).toISOString().slice(0, 19),
    'request-id': requestId,
    'client-request-id': clientRequestId,
  };
  return c.json({ error: { code: error.code, message: error.message, innerError } }, error.status, headers);
};

/** Thrown to cut the request's connection without an answer (the control API's `drop_connection`). */
export class ConnectionDrop extends Error {
  constructor() {
    super('connection dropped on purpose');
    this.name = 'ConnectionDrop';
  }
}

export const notFound = (): GraphError => new GraphError(404, 'ErrorItemNotFound', TEXT.itemNotFound);
export const accessDenied = (): GraphError => new GraphError(403, 'ErrorAccessDenied', TEXT.accessDenied);
export const badRequest = (message: string): GraphError =>
  new GraphError(400, 'ErrorInvalidRequest', message);

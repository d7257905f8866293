import { adviceFor, type GraphErrorContext } from './graph-advice.ts';

/**
 * Microsoft Graph failures with stable codes (STYLE.md 5), translated once from Graph's error envelope by
 * its `code` and HTTP status, never by its message text (graph-mail-spec.md §6). Who must act (STYLE.md 7,
 * ms-identity-spec.md §15):
 * - the user: invalid_token (reconnect, after one refresh), quota_exceeded, message_too_large,
 *   invalid_recipients;
 * - an administrator: access_denied (a Mail.* permission or consent is missing), send_as_denied,
 *   mailbox_not_enabled, request_rejected (Mailroom's request was refused: a bug to report), tls;
 * - Microsoft: unavailable (503 and other 5xx), timeout, protocol (an answer Mailroom cannot read);
 * - nobody, Mailroom copes by itself: throttled (waits Retry-After), item_not_found (the item is gone),
 *   sync_state_not_found (the folder is synced again from scratch), unreachable (retried), too_large,
 *   aborted.
 */
export type GraphErrorCode =
  | 'graph.invalid_token'
  | 'graph.access_denied'
  | 'graph.send_as_denied'
  | 'graph.mailbox_not_enabled'
  | 'graph.throttled'
  | 'graph.unavailable'
  | 'graph.item_not_found'
  | 'graph.sync_state_not_found'
  | 'graph.quota_exceeded'
  | 'graph.message_too_large'
  | 'graph.invalid_recipients'
  | 'graph.request_rejected'
  | 'graph.unknown'
  | 'graph.unreachable'
  | 'graph.timeout'
  | 'graph.tls'
  | 'graph.too_large'
  | 'graph.protocol'
  | 'graph.aborted';

export type WhoMustAct = 'user' | 'administrator' | 'microsoft' | 'nobody';

/** What Graph said, as sent: kept for logs and support, never branched on outside this file. */
export interface GraphWireFields {
  readonly status: number | null;
  /** The envelope's `error.code`, e.g. `ErrorAccessDenied`. */
  readonly graphCode: string | null;
  readonly serverMessage: string | null;
  /** `innerError.request-id` or the `request-id` header: what Microsoft support asks for. */
  readonly requestId: string | null;
  readonly clientRequestId: string | null;
  readonly date: string | null;
  /** `Retry-After` in milliseconds, as sent (429, 503). */
  readonly retryAfterMs: number | null;
}

const RETRYABLE: ReadonlySet<GraphErrorCode> = new Set([
  'graph.throttled',
  'graph.unavailable',
  'graph.unreachable',
  'graph.timeout',
]);

export class GraphError extends Error implements GraphWireFields {
  override readonly name = 'GraphError';
  readonly whoMustAct: WhoMustAct;
  readonly status: number | null;
  readonly graphCode: string | null;
  readonly serverMessage: string | null;
  readonly requestId: string | null;
  readonly clientRequestId: string | null;
  readonly date: string | null;
  readonly retryAfterMs: number | null;
  constructor(
    readonly code: GraphErrorCode,
    wire: Partial<GraphWireFields>,
    context: GraphErrorContext,
    options?: { cause?: unknown },
  ) {
    const advice = adviceFor(code, wire.status ?? null, context);
    const id = wire.requestId ? ` (Microsoft request id ${wire.requestId})` : '';
    super(`${advice.message}${id}`, options);
    this.whoMustAct = advice.who;
    this.status = wire.status ?? null;
    this.graphCode = wire.graphCode ?? null;
    this.serverMessage = wire.serverMessage ?? null;
    this.requestId = wire.requestId ?? null;
    this.clientRequestId = wire.clientRequestId ?? null;
    this.date = wire.date ?? null;
    this.retryAfterMs = wire.retryAfterMs ?? null;
  }

  /** Mailroom may try again later by itself (after `retryAfterMs` when set). */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** The envelope `{"error":{"code","message","innerError":{"request-id","date","client-request-id"}}}` (§6). */
export interface GraphEnvelope {
  readonly code: string | null;
  readonly message: string | null;
  readonly requestId: string | null;
  readonly clientRequestId: string | null;
  readonly date: string | null;
}

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** Reads Graph's error envelope from a body; every field is optional (some Outlook errors have no innerError). */
export const parseGraphEnvelope = (body: string): GraphEnvelope => {
  let json: unknown = null;
  try {
    json = JSON.parse(body);
  } catch (error) {
    // Not JSON (a proxy's HTML page, an empty 503): the status alone decides, below.
    if (!(error instanceof SyntaxError)) throw error;
  }
  const error = record(record(json).error);
  const inner = record(error.innerError ?? error.innererror);
  return {
    code: str(error.code),
    message: str(error.message),
    requestId: str(inner['request-id']),
    clientRequestId: str(inner['client-request-id']),
    date: str(inner.date),
  };
};

/** Graph's codes, compared case-insensitively: errors.md writes `syncStateNotFound`, Outlook sends `SyncStateNotFound`. */
const BY_GRAPH_CODE: ReadonlyMap<string, GraphErrorCode> = new Map([
  ['invalidauthenticationtoken', 'graph.invalid_token'],
  ['erroraccessdenied', 'graph.access_denied'],
  ['accessdenied', 'graph.access_denied'],
  ['errorsendasdenied', 'graph.send_as_denied'],
  ['mailboxnotenabledforrestapi', 'graph.mailbox_not_enabled'],
  ['mailboxnotsupportedforrestapi', 'graph.mailbox_not_enabled'],
  ['applicationthrottled', 'graph.throttled'],
  ['toomanyrequests', 'graph.throttled'],
  ['erroritemnotfound', 'graph.item_not_found'],
  ['syncstatenotfound', 'graph.sync_state_not_found'],
  ['resyncrequired', 'graph.sync_state_not_found'],
  ['invalidsyncstatedata', 'graph.sync_state_not_found'],
  ['errorquotaexceeded', 'graph.quota_exceeded'],
  ['errormessagesizeexceeded', 'graph.message_too_large'],
  ['errorinvalidrecipients', 'graph.invalid_recipients'],
  ['servicenotavailable', 'graph.unavailable'],
  ['mailboxinfostale', 'graph.unavailable'],
  ['generalexception', 'graph.unavailable'],
]);

/** The code for an answer: Graph's own code first, then what the status alone says. */
export const classifyGraphAnswer = (status: number, graphCode: string | null): GraphErrorCode => {
  const known = graphCode ? BY_GRAPH_CODE.get(graphCode.toLowerCase()) : undefined;
  if (known) return known;
  if (status === 429) return 'graph.throttled';
  // §4: any 410 from delta is a cursor reset (twenty treats it so; the code varies).
  if (status === 410) return 'graph.sync_state_not_found';
  if (status === 413) return 'graph.message_too_large';
  if (status === 401) return 'graph.invalid_token';
  if (status >= 500) return 'graph.unavailable';
  if (status === 400 || status === 405 || status === 415) return 'graph.request_rejected';
  return 'graph.unknown';
};

/** A non-2xx answer → GraphError, keeping the request id (header when the body has none) and Retry-After. */
export const graphErrorFromAnswer = (
  answer: { status: number; body: string; requestIdHeader: string | null; retryAfterMs: number | null },
  context: GraphErrorContext,
): GraphError => {
  const envelope = parseGraphEnvelope(answer.body);
  return new GraphError(
    classifyGraphAnswer(answer.status, envelope.code),
    {
      status: answer.status,
      graphCode: envelope.code,
      serverMessage: envelope.message,
      requestId: envelope.requestId ?? answer.requestIdHeader,
      clientRequestId: envelope.clientRequestId,
      date: envelope.date,
      retryAfterMs: answer.retryAfterMs,
    },
    context,
  );
};

import { MailboxTokenError } from '../../mailboxes/access-token.ts';
import { MailTransportError } from '../transport-error.ts';
import { GraphError } from './graph-error.ts';

/**
 * Microsoft would not give Mailroom a Graph token for the mailbox although its Outlook token works: the
 * Graph mail permissions were never consented to (AADSTS65001 `consent_required`, ms-identity-spec.md §6.2)
 * or were revoked.
 */
export const GRAPH_CONSENT_MESSAGE =
  'Microsoft would not give Mailroom access to this mailbox through Microsoft Graph. An administrator must add the delegated Microsoft Graph permissions Mail.Send and Mail.ReadWrite to Mailroom’s app registration (Microsoft Entra admin center → App registrations → API permissions) and grant consent; then the mailbox must be reconnected.';

/**
 * The one translation of the Graph side's failures into the seam's (STYLE.md 6): a GraphError keeps its
 * code, who must act and its advice (which names the missing permission); a Graph token that could not
 * be had for good becomes `graph.consent_missing` for an administrator. Waits (`retry_later`,
 * `refresh_busy`) and anything else pass as they are.
 */
export const toGraphTransportError = (error: unknown): unknown => {
  if (error instanceof GraphError)
    return new MailTransportError(
      {
        code: error.code,
        transport: 'graph',
        whoMustAct: error.whoMustAct,
        userMessage: error.message,
        retryAfterMs: error.retryAfterMs,
      },
      error.message,
      { cause: error },
    );
  if (error instanceof MailboxTokenError && error.code === 'mailbox.token_refresh_failed')
    return new MailTransportError(
      {
        code: 'graph.consent_missing',
        transport: 'graph',
        whoMustAct: 'administrator',
        userMessage: GRAPH_CONSENT_MESSAGE,
        retryAfterMs: null,
      },
      `graph.consent_missing: ${error.message}`,
      { cause: error },
    );
  return error;
};

/** Runs `fn`, its failures translated (toGraphTransportError). */
export const translatingGraph = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    throw toGraphTransportError(error);
  }
};

import { MailboxTokenError } from '../../mailboxes/access-token.ts';
import { classifyTokenFailure } from '../../mailboxes/token-failure.ts';
import { IdentityError } from '../../microsoft/identity-error.ts';
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
 * be had for good becomes `graph.consent_missing` for an administrator (or `graph.token_refused`). Waits (`retry_later`,
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
    return tokenRefused(error);
  return error;
};

/** `AADSTS65001 … consent_required` (ms-identity-spec.md §6.2): the Graph scopes were not consented to. */
const isConsentMissing = (cause: unknown): boolean =>
  cause instanceof IdentityError &&
  (cause.microsoft?.aadsts === 65001 || cause.microsoft?.suberror === 'consent_required');

/**
 * A Graph token Microsoft would not give: without consent, an administrator grants it; otherwise who
 * must act is as for any refused refresh (token-failure.ts), in Microsoft's words.
 */
const tokenRefused = (error: MailboxTokenError): MailTransportError => {
  const consent = isConsentMissing(error.cause);
  const state = error.cause instanceof IdentityError ? classifyTokenFailure(error.cause).state : null;
  const code = consent ? 'graph.consent_missing' : 'graph.token_refused';
  return new MailTransportError(
    {
      code,
      transport: 'graph',
      whoMustAct: consent || state === 'admin_action_required' ? 'administrator' : 'user',
      userMessage: consent ? GRAPH_CONSENT_MESSAGE : `Microsoft Graph: ${error.message}`,
      retryAfterMs: null,
    },
    `${code}: ${error.message}`,
    { cause: error },
  );
};

/** Runs `fn`, its failures translated (toGraphTransportError). */
export const translatingGraph = async <T>(fn: () => Promise<T>): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    throw toGraphTransportError(error);
  }
};

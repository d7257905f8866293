import { MailboxTokenError } from '../../mailboxes/access-token.ts';
import { graphConsentAdvice } from '../../mailboxes/graph-consent-advice.ts';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import { classifyTokenFailure } from '../../mailboxes/token-failure.ts';
import { IdentityError } from '../../microsoft/identity-error.ts';
import { MailTransportError } from '../transport-error.ts';
import { sendAsDeniedMessage } from './graph-advice.ts';
import { GraphError } from './graph-error.ts';

/** The mailbox a Graph failure is about: its kind says who may allow Graph for it. */
export type GraphMailboxRef = Pick<Mailbox, 'kind' | 'address'> & Partial<Pick<Mailbox, 'account'>>;

/** Graph's advice, made exact where the mailbox is known: Send As names the mailbox and its delegate. */
const messageFor = (error: GraphError, mailbox?: GraphMailboxRef): string =>
  error.code === 'graph.send_as_denied' && mailbox?.kind === 'system'
    ? sendAsDeniedMessage(mailbox.address, mailbox.account?.upn ?? null)
    : error.message;

/**
 * The one translation of the Graph side's failures into the seam's (STYLE.md 6): a GraphError keeps its
 * code, who must act and its advice (which names the missing permission); a Graph token that could not
 * be had for good becomes `graph.consent_missing` (who presses "Allow Mailroom to use Microsoft Graph": the
 * owner of a personal mailbox, an administrator for a system one) or `graph.token_refused`. Waits
 * (`retry_later`, `refresh_busy`) and anything else pass as they are.
 */
export const toGraphTransportError = (error: unknown, mailbox?: GraphMailboxRef): unknown => {
  if (error instanceof GraphError) {
    const message = messageFor(error, mailbox);
    return new MailTransportError(
      {
        code: error.code,
        transport: 'graph',
        whoMustAct: error.whoMustAct,
        userMessage: message,
        retryAfterMs: error.retryAfterMs,
      },
      message,
      { cause: error },
    );
  }
  if (error instanceof MailboxTokenError && error.code === 'mailbox.token_refresh_failed')
    return tokenRefused(error, mailbox);
  return error;
};

/** `AADSTS65001 … consent_required` (ms-identity-spec.md §6.2): the Graph scopes were not consented to. */
const isConsentMissing = (cause: unknown): boolean =>
  cause instanceof IdentityError &&
  (cause.microsoft?.aadsts === 65001 || cause.microsoft?.suberror === 'consent_required');

/**
 * A Graph token Microsoft would not give: without consent, whoever may press "Allow Mailroom to use
 * Microsoft Graph" on the mailbox's page (graphConsentAdvice; an administrator when the mailbox is not
 * known); otherwise who must act is as for any refused refresh (token-failure.ts), in Microsoft's words.
 */
const tokenRefused = (error: MailboxTokenError, mailbox?: GraphMailboxRef): MailTransportError => {
  const consent = isConsentMissing(error.cause);
  const state = error.cause instanceof IdentityError ? classifyTokenFailure(error.cause).state : null;
  const code = consent ? 'graph.consent_missing' : 'graph.token_refused';
  const consentBy = mailbox?.kind === 'user' ? 'user' : 'administrator';
  return new MailTransportError(
    {
      code,
      transport: 'graph',
      whoMustAct: consent ? consentBy : state === 'admin_action_required' ? 'administrator' : 'user',
      userMessage: consent
        ? graphConsentAdvice(mailbox ?? { kind: 'system', address: 'this mailbox' })
        : `Microsoft Graph: ${error.message}`,
      retryAfterMs: null,
    },
    `${code}: ${error.message}`,
    { cause: error },
  );
};

/** Runs `fn`, its failures translated (toGraphTransportError) for `mailbox`. */
export const translatingGraph = async <T>(fn: () => Promise<T>, mailbox?: GraphMailboxRef): Promise<T> => {
  try {
    return await fn();
  } catch (error) {
    throw toGraphTransportError(error, mailbox);
  }
};

import { z } from 'zod';
import type { AppDeps } from '../../http/context.ts';
import { IdentityError } from '../../microsoft/identity-error.ts';
import { sendsThroughGraph } from '../../transports/choose-sending.ts';
import { mailboxGraph } from '../../transports/graph/graph-access.ts';
import { GraphError } from '../../transports/graph/graph-error.ts';
import { mailboxRoot } from '../../transports/graph/mailbox-path.ts';
import { mailServersOrThrow, withMailboxImap } from '../../transports/imap-smtp/imap-access.ts';
import { SmtpError } from '../../transports/imap-smtp/smtp-error.ts';
import { verifySmtp } from '../../transports/imap-smtp/smtp-session.ts';
import { MailTransportError } from '../../transports/transport-error.ts';
import { transportFor } from '../../transports/transport-for.ts';
import { MailboxTokenError } from '../access-token.ts';
import type { Mailbox } from '../mailbox.ts';
import { findMailbox, setMailboxState, setSendProblem } from '../repository.ts';
import { classifyTokenFailure } from '../token-failure.ts';
import type { MailResource } from '../token-store.ts';
import { loadAppAccessSettings } from './app-access-settings.ts';
import { AppTokenError, getAppToken } from './app-token.ts';
import { consentProblem } from './consent.ts';
import { appSmtpFailure } from './explain-failure.ts';

export const verifyInputSchema = z.object({
  outsideAddress: z
    .string()
    .trim()
    .max(320)
    .pipe(z.email('Enter a mailbox address outside the scope, such as someone@contoso.com.'))
    .transform((a) => a.toLowerCase())
    .optional(),
});

export interface VerifyStep {
  readonly step: 'token' | 'imap' | 'sending' | 'scope';
  readonly ok: boolean;
  readonly code: string | null;
  readonly message: string;
}

const tokenStep = async (deps: AppDeps, resource: MailResource): Promise<VerifyStep & { token?: string }> => {
  try {
    const token = await getAppToken(deps, resource);
    const problem = consentProblem(resource, token.roles);
    if (problem) return { step: 'token', ok: false, code: 'app_access.consent_missing', message: problem };
    return {
      step: 'token',
      ok: true,
      code: null,
      token: token.accessToken,
      message: `Microsoft issued the application token for ${resource === 'graph' ? 'Microsoft Graph' : 'Exchange Online'} ${token.roles === null ? '(not a readable JWT: its roles could not be checked)' : `with the roles ${token.roles.join(', ')}`}.`,
    };
  } catch (error) {
    if (error instanceof AppTokenError)
      return { step: 'token', ok: false, code: error.code, message: error.message };
    if (error instanceof IdentityError) {
      const change = classifyTokenFailure(error);
      return { step: 'token', ok: false, code: change.code, message: change.message ?? error.message };
    }
    throw error;
  }
};

const imapStep = async (deps: AppDeps, mailbox: Mailbox): Promise<VerifyStep> => {
  try {
    const exists = await withMailboxImap(
      deps,
      mailbox,
      async (client) => (await client.mailboxOpen('INBOX')).exists,
    );
    return {
      step: 'imap',
      ok: true,
      code: null,
      message: `IMAP works: the application signed in as ${mailbox.address} and opened its Inbox (${exists} messages).`,
    };
  } catch (error) {
    if (!(error instanceof MailTransportError) && !(error instanceof MailboxTokenError)) throw error;
    // withMailboxImap stored the failure on the mailbox, in words for whoever must act.
    const stored = await findMailbox(deps.db, mailbox.id);
    return {
      step: 'imap',
      ok: false,
      code: stored?.stateCode ?? error.code,
      message: stored?.stateMessage ?? error.message,
    };
  }
};

const sendingStep = async (deps: AppDeps, mailbox: Mailbox): Promise<VerifyStep> => {
  try {
    const { server } = await transportFor(deps, mailbox).verifySending();
    return {
      step: 'sending',
      ok: true,
      code: null,
      message: sendsThroughGraph(mailbox)
        ? `Sending goes through Microsoft Graph (${server}) for ${mailbox.address}.`
        : `SMTP works: the application may sign in to ${server} as ${mailbox.address} (nothing was sent).`,
    };
  } catch (error) {
    if (error instanceof SmtpError) {
      const app = appSmtpFailure(error, mailbox.address);
      return {
        step: 'sending',
        ok: false,
        code: app?.code ?? error.code,
        message: app?.message ?? `SMTP failed (${error.code}: ${error.serverText ?? ''}).`,
      };
    }
    if (error instanceof MailTransportError)
      return { step: 'sending', ok: false, code: error.code, message: error.userMessage };
    if (error instanceof MailboxTokenError)
      return { step: 'sending', ok: false, code: error.code, message: error.message };
    throw error;
  }
};

/** How a mail server answered the application reaching a mailbox outside the scope. */
interface OutsideAnswer {
  readonly code: string;
  /** The refusal a scope gives (SMTP 535 5.7.3, Graph 403 ErrorAccessDenied); anything else tests nothing. */
  readonly refused: boolean;
  readonly detail: string;
}

/**
 * Where a scope is set, a mailbox outside it must be refused: `reach` signs in to it as the application,
 * `answerOf` names the server's refusal (other errors are rethrown), `holds` and `notLimiting` say the outcome.
 */
const scopeStep = async (
  outside: string,
  reach: () => Promise<unknown>,
  answerOf: (error: unknown) => OutsideAnswer | null,
  words: { readonly holds: string; readonly notLimiting: string },
): Promise<VerifyStep> => {
  try {
    await reach();
  } catch (error) {
    const answer = answerOf(error);
    if (!answer) throw error;
    if (!answer.refused)
      return {
        step: 'scope',
        ok: false,
        code: answer.code,
        message: `Could not test the scope with ${outside}: ${answer.detail}`,
      };
    return { step: 'scope', ok: true, code: null, message: words.holds };
  }
  return { step: 'scope', ok: false, code: 'app_access.scope_not_limiting', message: words.notLimiting };
};

/** SMTP AUTH as the outside address must fail. */
const smtpScopeStep = async (deps: AppDeps, token: string, outside: string): Promise<VerifyStep> =>
  scopeStep(
    outside,
    async () => verifySmtp(await mailServersOrThrow(deps), { user: outside, accessToken: token }),
    (error) =>
      error instanceof SmtpError
        ? {
            code: error.code,
            refused: error.code === 'smtp.auth_failed',
            detail: `${error.code} ${error.serverText ?? ''}`,
          }
        : null,
    {
      holds: `The scope holds: Exchange refused the application for ${outside} (535 5.7.3), a mailbox outside it. RBAC does not cover IMAP: there, FullAccess alone limits the application.`,
      notLimiting: `Exchange let the application sign in over SMTP as ${outside}, which should be outside the scope: the scope does not limit it. An Exchange administrator must check the role assignments (Get-ManagementRoleAssignment -RoleAssignee <service principal object id>) and that Send As or FullAccess on ${outside} was not granted; remember that a tenant-wide Entra grant of SMTP.SendAsApp adds to the scoped role.`,
    },
  );

/** Graph: reading the outside mailbox's Inbox with the application's Graph token must be 403 ErrorAccessDenied. */
const graphScopeStep = async (deps: AppDeps, mailbox: Mailbox, outside: string): Promise<VerifyStep> => {
  const graph = await mailboxGraph(deps, mailbox);
  return scopeStep(
    outside,
    () =>
      graph.client.request({
        method: 'GET',
        path: `${mailboxRoot(outside)}/mailFolders/inbox`,
        read: 'json',
        context: { mailbox: outside, permission: null },
      }),
    (error) =>
      error instanceof GraphError
        ? { code: error.code, refused: error.code === 'graph.access_denied', detail: error.message }
        : null,
    {
      holds: `The scope holds: Microsoft Graph refused the application for ${outside} (403 ErrorAccessDenied), a mailbox outside it.`,
      notLimiting: `Microsoft Graph let the application open ${outside}, which should be outside the scope: the scope does not limit it. An Exchange administrator must check the role assignments (Get-ManagementRoleAssignment) and remember that a tenant-wide Entra grant of Mail.ReadWrite or Mail.Send adds to the scoped roles.`,
    },
  );
};

/**
 * Verify on the application access page: the token carries the roles (decoded), IMAP login and SELECT INBOX,
 * SMTP AUTH (or Graph) without sending, and, where a scope is set and an outside address given, that
 * Exchange refuses that address. Stops at the first broken step; every step says what it found.
 */
export const verifyAppAccess = async (
  deps: AppDeps,
  mailbox: Mailbox,
  input: z.infer<typeof verifyInputSchema>,
): Promise<VerifyStep[]> => {
  const steps: VerifyStep[] = [];
  const outlook = await tokenStep(deps, 'outlook');
  const { token, ...first } = outlook;
  steps.push(first);
  if (!outlook.ok || !token) return steps;
  const imap = await imapStep(deps, mailbox);
  steps.push(imap);
  if (!imap.ok) return steps;
  const sending = await sendingStep(deps, mailbox);
  steps.push(sending);
  if (!sending.ok) return steps;
  // Reading and sending work: whatever the mailbox said before (consent, FullAccess, Send As) is fixed, and
  // the sweep, which skips mailboxes waiting on an administrator, takes it up again.
  await setMailboxState(deps.db, mailbox.id, { state: 'connected', code: null, message: null });
  await setSendProblem(deps.db, mailbox.id, null);
  const settings = await loadAppAccessSettings(deps.db);
  if (settings.scopeName && input.outsideAddress)
    steps.push(
      sendsThroughGraph(mailbox)
        ? await graphScopeStep(deps, mailbox, input.outsideAddress)
        : await smtpScopeStep(deps, token, input.outsideAddress),
    );
  return steps;
};

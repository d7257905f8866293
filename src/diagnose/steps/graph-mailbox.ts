import { MailboxTokenError } from '../../mailboxes/access-token.ts';
import { mailboxGraph } from '../../transports/graph/graph-access.ts';
import { GraphError } from '../../transports/graph/graph-error.ts';
import { mailboxRoot } from '../../transports/graph/mailbox-path.ts';
import { MailTransportError } from '../../transports/transport-error.ts';
import { grantHolderOf, rolesFix, usesApplication } from '../app-access.ts';
import { docsLink } from '../docs-link.ts';
import { tokenFailure } from '../token-failure-advice.ts';
import type { DiagnoseStep, StepOutcome } from '../types.ts';

const PERMISSIONS =
  'Microsoft Entra admin center › App registrations › the app › API permissions › Add a permission › Microsoft Graph › Delegated';

const graphFix = (error: GraphError, mailbox: string, login: string): string => {
  switch (error.code) {
    case 'graph.access_denied':
      return mailbox === 'me'
        ? `${PERMISSIONS}: Mail.ReadWrite and Mail.Send › Grant admin consent; then Mailboxes › the mailbox › Reconnect.`
        : `${PERMISSIONS}: Mail.ReadWrite.Shared and Mail.Send.Shared › Grant admin consent; and Add-MailboxPermission -Identity ${mailbox} -User ${login} -AccessRights FullAccess.`;
    case 'graph.mailbox_not_enabled':
      return 'Microsoft 365 admin center › Users › Active users › the mailbox’s user › Licenses and apps: assign an Exchange Online licence; or choose SMTP under Reach this mailbox through on the mailbox page.';
    case 'graph.invalid_token':
      return 'Mailroom › Mailboxes › the mailbox › Reconnect, accepting the Microsoft Graph permissions.';
    default:
      return 'Nothing to change if it passes on another try: run Diagnose again in a minute.';
  }
};

/**
 * A Graph request as the mailbox is used: `GET /me/mailFolders/inbox`, or `/users/{address}/mailFolders/inbox`
 * for a system mailbox. Chosen over bare `/me` or `/users/{address}`, which need User.Read(.All) rather than
 * the Mail permissions sending through Graph relies on; it reads one folder's counts and changes nothing.
 */
export const graphMailbox: DiagnoseStep = {
  id: 'graph_mailbox',
  title: 'Microsoft Graph reaches the mailbox',
  docs: docsLink('graph-access'),
  applies: (ctx) => (ctx.plan.graph ? true : 'The mailbox does not use Microsoft Graph.'),
  run: async (ctx): Promise<StepOutcome> => {
    const login = ctx.mailbox.account?.upn ?? ctx.mailbox.address;
    try {
      const graph = await mailboxGraph(ctx.deps, ctx.mailbox);
      const path = `${mailboxRoot(graph.mailbox)}/mailFolders/inbox`;
      await graph.client.request({
        method: 'GET',
        path,
        read: 'json',
        context: { mailbox: graph.mailbox, permission: 'Mail.ReadWrite' },
        timeoutMs: 20_000,
      });
      return {
        status: 'ok',
        code: null,
        whoMustAct: null,
        message: `Microsoft Graph (${graph.host}) answered GET ${path}.`,
        fix: null,
      };
    } catch (error) {
      if (error instanceof MailboxTokenError) return tokenFailure(error, 'graph', ctx.mailbox.address);
      if (error instanceof GraphError) {
        const mailbox = ctx.mailbox.kind === 'system' ? ctx.mailbox.address : 'me';
        // With application access, Graph refuses for a missing application role or the RBAC scope.
        const fix =
          usesApplication(ctx) && error.code === 'graph.access_denied'
            ? `${rolesFix('graph', ['Mail.ReadWrite', 'Mail.Send'])} If a scope is set: Test-ServicePrincipalAuthorization -Identity ${await grantHolderOf(ctx)} -Resource '${mailbox}' must say InScope True (Exchange Online PowerShell).`
            : graphFix(error, mailbox, login);
        return {
          status: 'failed',
          code: error.graphCode ?? error.code,
          serverText: error.serverMessage,
          whoMustAct: error.whoMustAct,
          message: error.message,
          fix,
        };
      }
      // mailboxGraph's one own refusal: no Graph host for a custom authority (graph-access.ts).
      if (error instanceof MailTransportError && error.code === 'graph.not_configured')
        return {
          status: 'failed',
          code: error.code,
          whoMustAct: error.whoMustAct,
          message: error.userMessage,
          fix: 'Mailroom › Microsoft 365 settings: set the custom authority URL (Graph is served from it).',
        };
      throw error;
    }
  },
};

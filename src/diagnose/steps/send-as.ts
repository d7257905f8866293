import { lastSendOutcome } from '../../send/last-outcome.ts';
import { grantHolderOf } from '../app-access.ts';
import { docsLink } from '../docs-link.ts';
import type { DiagnoseStep } from '../types.ts';

const SEND_AS_DENIED = new Set(['smtp.send_as_denied', 'graph.send_as_denied', 'app_access.send_as_missing']);

/**
 * Send As for a system mailbox's delegate. Exchange checks it only once a message is submitted — after
 * DATA (`554 5.2.252 SendAsDenied`, ms-identity-spec.md §13.5; app-only-spec.md: "failure after DATA") or
 * at Graph's sendMail — and neither SMTP (MAIL FROM is accepted) nor Graph offers a dry run. Diagnose sends
 * nothing, so it reads the evidence Mailroom has: the last message from this mailbox that went out or was
 * refused, and the mailbox's recorded send problem. Without any, the step is skipped and says how to look.
 */
export const sendAs: DiagnoseStep = {
  id: 'send_as',
  title: 'Send As for the delegate',
  docs: docsLink('send-as'),
  applies: (ctx) => (ctx.mailbox.kind === 'system' ? true : 'A personal mailbox sends as itself.'),
  run: async (ctx) => {
    const address = ctx.mailbox.address;
    // With application access, the grants are its Exchange service principal's.
    const delegate = await grantHolderOf(ctx);
    const fix = `Add-RecipientPermission -Identity ${address} -Trustee ${delegate} -AccessRights SendAs -Confirm:$false (Exchange Online PowerShell), or Exchange admin center › Recipients › Mailboxes › ${address} › Delegation › Send as.`;
    const last = await lastSendOutcome(ctx.deps.db, ctx.mailbox.id);
    const problem = ctx.mailbox.sendProblem;
    const denied = last
      ? last.state === 'failed' && last.errorCode !== null && SEND_AS_DENIED.has(last.errorCode)
      : problem !== null && SEND_AS_DENIED.has(problem.code);
    if (denied)
      return {
        status: 'failed',
        code: last?.errorCode?.startsWith('graph.') ? 'ErrorSendAsDenied' : '5.2.252',
        serverText: last?.serverReply ?? null,
        whoMustAct: 'administrator',
        message: `Exchange refused the last message from ${address} (at ${last?.at ?? problem?.at}): ${delegate} has no Send As on it. Once it is granted, Retry the refused message: Exchange checks Send As only when a message is submitted, so Diagnose sees the fix at the next message.`,
        fix,
      };
    if (last?.state === 'sent')
      return {
        status: 'ok',
        code: null,
        whoMustAct: null,
        message: `The last message from ${address} (at ${last.at}) was accepted. Exchange checks Send As only when a message is submitted, so a right removed since shows at the next message.`,
        fix: null,
      };
    return {
      status: 'skipped',
      code: null,
      whoMustAct: null,
      message: `Exchange checks Send As only when a message is submitted, and no message from ${address} has been sent or refused yet; Diagnose sends nothing. To look: Get-RecipientPermission -Identity ${address} -Trustee ${delegate}.`,
      fix: null,
    };
  },
};

import type { MailResource } from '../token-store.ts';

/** The application permissions each resource needs for a mailbox (app-only-spec.md §1; Graph: graph-mail-spec.md). */
export const NEEDED_ROLES: Record<MailResource, readonly string[]> = {
  outlook: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
  graph: ['Mail.ReadWrite', 'Mail.Send'],
};

const API_NAME: Record<MailResource, string> = {
  outlook: 'Office 365 Exchange Online',
  graph: 'Microsoft Graph',
};

/**
 * Why the decoded token cannot work, or null. Microsoft issues a token without `roles` when admin consent
 * was never granted ("app-only tokens can be issued without a roles claim", §6.4): the token call succeeds
 * and only the mail server refuses, so the claim is read here and the person who can fix it is named.
 */
export const consentProblem = (resource: MailResource, roles: readonly string[] | null): string | null => {
  if (roles === null) return null;
  const missing = NEEDED_ROLES[resource].filter((r) => !roles.includes(r));
  if (missing.length === 0) return null;
  const what =
    roles.length === 0
      ? `Microsoft issued Mailroom's application token for ${API_NAME[resource]} without any application permission (the token has no “roles” claim): admin consent was never granted.`
      : `Mailroom's application token for ${API_NAME[resource]} lacks ${missing.join(' and ')} (it carries ${roles.join(', ')}).`;
  return `${what} A Global Administrator or Privileged Role Administrator must open the Microsoft Entra admin center → App registrations → Mailroom's app → API permissions → Add a permission → APIs my organization uses → ${API_NAME[resource]} → Application permissions → ${missing.join(', ')}, then choose “Grant admin consent”. Mailroom asks for a new token at its next attempt.`;
};

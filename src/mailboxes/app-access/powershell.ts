import type { AppAccessSettings } from './app-access-settings.ts';

export interface SetupInput {
  readonly clientId: string | null;
  readonly settings: AppAccessSettings;
  /** Every mailbox with application access: the scope is limited to them. */
  readonly addresses: readonly string[];
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Exchange's service principal for the app: `objectId` is the *Enterprise application's* object id. */
export const newServicePrincipalLine = (appId: string, objectId: string): string =>
  `New-ServicePrincipal -AppId ${appId} -ObjectId ${objectId} -DisplayName 'Mailroom'`;

/** FullAccess on `address` for the service principal `objectId` (reading over IMAP). */
export const fullAccessLine = (address: string, objectId: string): string =>
  `Add-MailboxPermission -Identity ${quote(address)} -User ${objectId} -AccessRights FullAccess -InheritanceType All`;

/** Send As on `address` for the service principal `objectId` (sending). */
export const sendAsLine = (address: string, objectId: string): string =>
  `Add-RecipientPermission -Identity ${quote(address)} -Trustee ${objectId} -AccessRights SendAs -Confirm:$false`;

/**
 * The Exchange Online PowerShell that sets application access up (app-only-spec.md §1, §2), in order:
 * the Exchange service principal with the *Enterprise application's* object id, FullAccess (IMAP) and
 * Send As (SMTP) on each mailbox, then an RBAC for Applications scope limited to these mailboxes with
 * the SMTP and Graph roles assigned in it. RBAC does not cover IMAP: FullAccess is the limit there.
 */
export const setupScript = (input: SetupInput): string => {
  const appId = input.clientId ?? '<Application (client) ID>';
  const objectId = input.settings.enterpriseObjectId ?? '<Enterprise application Object ID>';
  const lines = [
    '# Exchange Online PowerShell, as an Exchange Administrator: Install-Module ExchangeOnlineManagement; Connect-ExchangeOnline',
    "# 1. Exchange's service principal for Mailroom. -ObjectId is the Object ID on Entra admin center → Enterprise",
    '#    applications → Mailroom → Overview, NOT the Object ID on App registrations (that one makes every login fail).',
    newServicePrincipalLine(appId, objectId),
    '# 2. Reading (IMAP): FullAccess on each mailbox. RBAC scopes do not cover IMAP: this grant is the only limit there.',
    ...input.addresses.map((a) => fullAccessLine(a, objectId)),
    '# 3. Sending (SMTP): Send As on each mailbox.',
    ...input.addresses.map((a) => sendAsLine(a, objectId)),
  ];
  const scope = input.settings.scopeName;
  if (scope && input.addresses.length > 0) {
    const filter = input.addresses
      .map((a) => `PrimarySmtpAddress -eq '${a.replace(/'/g, "''")}'`)
      .join(' -or ');
    lines.push(
      '# 4. RBAC for Applications: limit sending (SMTP and Graph) and Graph mail access to these mailboxes only.',
      `New-ManagementScope -Name ${quote(scope)} -RecipientRestrictionFilter "${filter}"`,
      `New-ManagementRoleAssignment -Name ${quote(`${scope} SMTP`)} -Role 'Application SMTP.SendAsApp' -App ${objectId} -CustomResourceScope ${quote(scope)}`,
      `New-ManagementRoleAssignment -Name ${quote(`${scope} Mail.Send`)} -Role 'Application Mail.Send' -App ${objectId} -CustomResourceScope ${quote(scope)}`,
      `New-ManagementRoleAssignment -Name ${quote(`${scope} Mail.ReadWrite`)} -Role 'Application Mail.ReadWrite' -App ${objectId} -CustomResourceScope ${quote(scope)}`,
      '# The scope limits SMTP and Graph, not IMAP. It only narrows access once the tenant-wide Entra grants of',
      '# SMTP.SendAsApp / Mail.Send / Mail.ReadWrite are not what allows it (the two systems add up). Check it with:',
      ...input.addresses.map(
        (a) =>
          `Test-ServicePrincipalAuthorization -Identity ${objectId} -Resource ${quote(a)} | Format-Table`,
      ),
    );
  }
  return `${lines.join('\n')}\n`;
};

import type { Config } from '../config.ts';

/** The two Redirect URIs to register in Azure (Authentication › Web › Redirect URIs), absolute. */
export const redirectUris = (config: Config) => ({
  signIn: `${config.publicUrl}/auth/microsoft/callback`,
  mailboxConnection: `${config.publicUrl}/mailboxes/connect/microsoft/callback`,
});

/** Delegated permissions Mailroom asks for (DESIGN.md flows 2 and 3); one resource per token request. */
export const SIGNIN_SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'https://graph.microsoft.com/User.Read',
];
export const MAILBOX_SCOPES = [
  'offline_access',
  'https://outlook.office.com/IMAP.AccessAsUser.All',
  'https://outlook.office.com/SMTP.Send',
];
/**
 * Microsoft Graph mail, delegated (graph-mail-spec.md §1), redeemed with the mailbox's refresh token once
 * consented; one resource per token request, so never together with MAILBOX_SCOPES. Asked for only when a
 * mailbox needs Graph (incremental consent, issue 13 §3: "Allow Mailroom to use Microsoft Graph").
 */
export const GRAPH_MAIL_SCOPES = [
  'offline_access',
  'https://graph.microsoft.com/Mail.ReadWrite',
  'https://graph.microsoft.com/Mail.Send',
];
/**
 * A system mailbox is opened by its delegate through `/users/{address}`: Graph checks the `.Shared`
 * variants there (graph-mail-spec.md §1), on top of FullAccess and Send As in Exchange.
 */
export const GRAPH_SHARED_MAIL_SCOPES = [
  ...GRAPH_MAIL_SCOPES,
  'https://graph.microsoft.com/Mail.ReadWrite.Shared',
  'https://graph.microsoft.com/Mail.Send.Shared',
];

/** The Graph scopes a mailbox's token is asked for: a system mailbox's include the `.Shared` ones. */
export const graphMailScopesFor = (kind: 'user' | 'system'): readonly string[] =>
  kind === 'system' ? GRAPH_SHARED_MAIL_SCOPES : GRAPH_MAIL_SCOPES;

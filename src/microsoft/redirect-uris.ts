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
 * consented; one resource per token request, so never together with MAILBOX_SCOPES. A system mailbox
 * opened by its delegate needs the `.Shared` variants as well (issue 13 §3).
 */
export const GRAPH_MAIL_SCOPES = [
  'offline_access',
  'https://graph.microsoft.com/Mail.ReadWrite',
  'https://graph.microsoft.com/Mail.Send',
];

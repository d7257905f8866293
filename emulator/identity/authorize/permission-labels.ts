import { GRAPH, OUTLOOK } from '../resources.ts';

/** What the consent page says for a permission (texts like Entra's consent prompt). */
const LABELS: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'View your basic profile',
  email: 'View your email address',
  offline_access: 'Maintain access to data you have given it access to',
  [`${GRAPH}/User.Read`]: 'Sign you in and read your profile',
  // Microsoft Graph's mail permissions, with their user-consent display names.
  [`${GRAPH}/Mail.Read`]: 'Read your mail',
  [`${GRAPH}/Mail.ReadWrite`]: 'Read and write access to your mail',
  [`${GRAPH}/Mail.Send`]: 'Send mail as you',
  [`${GRAPH}/Mail.ReadWrite.Shared`]: 'Read and write user and shared mail',
  [`${GRAPH}/Mail.Send.Shared`]: 'Send mail on behalf of others',
  [`${OUTLOOK}/IMAP.AccessAsUser.All`]: 'Read and write access to mailboxes via IMAP.',
  [`${OUTLOOK}/POP.AccessAsUser.All`]: 'Read and write access to mailboxes via POP.',
  [`${OUTLOOK}/SMTP.Send`]: 'Send emails from mailboxes using SMTP AUTH.',
  [`${OUTLOOK}/IMAP.AccessAsApp`]:
    'IMAP.AccessAsApp: access mailboxes via IMAP as the app (application permission)',
  [`${OUTLOOK}/SMTP.SendAsApp`]:
    'SMTP.SendAsApp: send emails from mailboxes using SMTP AUTH as the app (application permission)',
};

export const permissionLabel = (resource: string, value: string): string =>
  LABELS[value] ?? LABELS[`${resource}/${value}`] ?? `${value} (${resource})`;

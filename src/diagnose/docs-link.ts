import { GUIDE_TROUBLESHOOTING } from '../guide/guide-link.ts';

/**
 * Where each step's failure is explained: the guide's troubleshooting page as Mailroom serves it,
 * `/docs/troubleshooting#<anchor>` (docs/troubleshooting.md). The anchors are listed in one place so the
 * guide gives each one a heading; test/docs/links.test.ts checks that it does.
 */
export const DOC_ANCHORS = [
  'settings-incomplete',
  'mailbox-not-connected',
  'authority-unreachable',
  'aadsts7000215',
  'aadsts7000222',
  'aadsts700016',
  'aadsts65001',
  'aadsts50173',
  'aadsts700082',
  'token-refresh',
  'token-scopes',
  'token-audience',
  'imap-disabled',
  'imap-login',
  'smtp-auth-disabled',
  'smtp-auth',
  'graph-access',
  'full-access',
  'send-as',
  'credential-expiry',
] as const;

export type DocAnchor = (typeof DOC_ANCHORS)[number];

export const docsLink = (anchor: DocAnchor): string => `${GUIDE_TROUBLESHOOTING}#${anchor}`;

import { authorityReachable } from './steps/authority.ts';
import { credentialExpiry } from './steps/credential-expiry.ts';
import { fullAccess } from './steps/full-access.ts';
import { graphMailbox } from './steps/graph-mailbox.ts';
import { imapLogin } from './steps/imap-login.ts';
import { sendAs } from './steps/send-as.ts';
import { settingsComplete } from './steps/settings-complete.ts';
import { smtpAuth } from './steps/smtp-auth.ts';
import { tokenStep } from './steps/token.ts';
import type { DiagnoseStep } from './types.ts';

/**
 * The chain, in the order a mailbox depends on it; the walk stops at the first broken link. To add a
 * check, write one `DiagnoseStep` in `steps/<name>.ts` and put it here where it belongs in the chain.
 */
export const DIAGNOSE_STEPS: readonly DiagnoseStep[] = [
  settingsComplete,
  authorityReachable,
  tokenStep('outlook'),
  tokenStep('graph'),
  imapLogin,
  smtpAuth,
  graphMailbox,
  fullAccess,
  sendAs,
  credentialExpiry,
];

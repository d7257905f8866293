import type { EmulatorContext } from '../context.ts';
import type { LocalTls } from '../tls/local-ca.ts';

export interface MailOptions {
  readonly workDir: string;
  readonly tls: LocalTls;
  /** `exchange`: Exchange Online's capability set (no CONDSTORE/QRESYNC); `rich`: Dovecot's full set. */
  readonly profile: 'exchange' | 'rich';
}

export interface RunningMail {
  readonly imap: { readonly host: string; readonly port: number; readonly tlsPort: number };
  readonly smtp: { readonly host: string; readonly port: number };
  stop(): Promise<void>;
}

export const startMail = async (_ctx: EmulatorContext, _options: Partial<MailOptions> & Pick<MailOptions, 'workDir' | 'tls'>): Promise<RunningMail> => {
  throw new Error('not yet');
};

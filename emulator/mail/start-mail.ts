import { join } from 'node:path';
import type { EmulatorContext } from '../context.ts';
import type { LocalTls } from '../tls/local-ca.ts';
import { startDovecot } from './dovecot/process.ts';
import type { BackendTarget } from './imap/backend.ts';
import { startImapFront } from './imap/front.ts';
import type { MailStoreLayout } from './maildir.ts';
import { type OutboundMessage, startSmtp } from './smtp/server.ts';

export interface MailOptions {
  readonly workDir: string;
  readonly tls: LocalTls;
  /** `exchange`: Exchange Online's capability set (no CONDSTORE/QRESYNC); `rich`: Dovecot's full set. */
  readonly profile: 'exchange' | 'rich';
}

export interface RunningMail {
  readonly imap: { readonly host: string; readonly port: number; readonly tlsPort: number };
  readonly smtp: { readonly host: string; readonly port: number };
  /** The private Dovecot's own port (master-user logins only; tests talk to `imap`). */
  readonly dovecotPort: number;
  /**
   * How the front logs in to that Dovecot (`LOGIN "<mailbox>*<master>" "<password>"`), for benchmarks that
   * measure the front against Dovecot itself. The password is a secret: describe.ts leaves it out.
   */
  readonly backend: BackendTarget;
  readonly store: MailStoreLayout;
  readonly outbound: OutboundMessage[];
  readonly profile: 'exchange' | 'rich';
  /** Client connections open on the IMAP front, authenticated or not. */
  imapConnections(): number;
  stop(): Promise<void>;
}

/** Dovecot, the Exchange-like IMAP front before it, and the SMTP submission server. */
export const startMail = async (
  ctx: EmulatorContext,
  options: Partial<MailOptions> & Pick<MailOptions, 'workDir' | 'tls'>,
): Promise<RunningMail> => {
  const profile = options.profile ?? 'exchange';
  const dovecot = await startDovecot(join(options.workDir, 'dovecot'), profile);
  const store: MailStoreLayout = {
    mailRoot: join(dovecot.root, 'mail'),
    uid: dovecot.mailUid,
    gid: dovecot.mailGid,
  };
  try {
    const backend: BackendTarget = {
      port: dovecot.port,
      masterUser: dovecot.masterUser,
      masterPassword: dovecot.masterPassword,
    };
    const front = await startImapFront(ctx, {
      backend,
      tls: options.tls,
      profile,
    });
    const smtp = await startSmtp(ctx, options.tls, store);
    return {
      imap: { host: '127.0.0.1', port: front.port, tlsPort: front.tlsPort },
      smtp: { host: '127.0.0.1', port: smtp.port },
      dovecotPort: dovecot.port,
      backend,
      store,
      outbound: smtp.outbound,
      profile,
      imapConnections: () => front.connections(),
      async stop() {
        await smtp.stop();
        await front.stop();
        await dovecot.stop();
      },
    };
  } catch (error) {
    await dovecot.stop();
    throw error;
  }
};

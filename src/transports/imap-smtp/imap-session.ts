import { setTimeout as delay } from 'node:timers/promises';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { type MailServers, trustedContext } from '../../mail-servers.ts';
import { ImapError, toImapError } from './imap-error.ts';

export interface ImapLogin {
  /** The mailbox to open: the user's own address, or a shared mailbox's (XOAUTH2 `user=`, §15). */
  readonly user: string;
  readonly accessToken: string;
}

export interface OpenImapOptions {
  /** Cancels the connect; the socket is closed and `imap.closed` thrown. */
  readonly signal?: AbortSignal;
  /** For the whole connect (TCP, TLS, greeting, AUTHENTICATE, NAMESPACE); `imap.timeout` when it runs out. */
  readonly timeoutMs?: number;
  /** imapflow's own logger (JSON lines on stdout by default) stays off: callers log the ImapError they get. */
  readonly logger?: false;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** A LOGOUT that gets no answer must not hold the caller: the socket is dropped after this. */
const LOGOUT_GRACE_MS = 5_000;

const clientOptions = (servers: MailServers, login: ImapLogin, logger: false): ImapFlowOptions => {
  const secureContext = trustedContext(servers);
  return {
    host: servers.imap.host,
    port: servers.imap.port,
    // Implicit TLS on 993 (§13.1); the server name defaults to the host (none for an IP literal).
    secure: true,
    tls: { minVersion: 'TLSv1.2', ...(secureContext ? { secureContext } : {}) },
    // XOAUTH2: Exchange advertises AUTH=XOAUTH2 and SASL-IR, not OAUTHBEARER (§13.2).
    auth: { user: login.user, accessToken: login.accessToken },
    logger,
    clientInfo: { name: 'Mailroom' },
    // Sessions here run a few commands and log out; a sync that waits for new mail IDLEs on purpose.
    disableAutoIdle: true,
  };
};

/**
 * Connects and authenticates, or throws an ImapError. imapflow reports `BAD User is authenticated but
 * not connected.` (from NAMESPACE) as a failed connect, so a resolved client really can open the mailbox.
 */
export const openImap = async (
  servers: MailServers,
  login: ImapLogin,
  options: OpenImapOptions = {},
): Promise<ImapFlow> => {
  const client = new ImapFlow(clientOptions(servers, login, options.logger ?? false));
  // Once connected, imapflow reports a dead socket as an 'error' event as well as by rejecting the
  // commands in flight (which the caller translates); an 'error' event without a listener would throw.
  client.on('error', () => {});
  const deadline = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const abort = () => client.close();
  signal.addEventListener('abort', abort, { once: true });
  try {
    signal.throwIfAborted();
    await client.connect();
    return client;
  } catch (error) {
    client.close();
    if (deadline.aborted) throw new ImapError('imap.timeout', null, null, { cause: deadline.reason });
    if (options.signal?.aborted)
      throw new ImapError('imap.closed', null, null, { cause: options.signal.reason });
    throw toImapError(error);
  } finally {
    signal.removeEventListener('abort', abort);
  }
};

/** LOGOUT while the session is up, then the socket is closed whatever LOGOUT did. */
export const closeImap = async (client: ImapFlow): Promise<void> => {
  if (client.usable) {
    // The outcome of the work before it is already decided; a failed LOGOUT cannot change it.
    await Promise.race([
      client.logout().catch(() => undefined),
      delay(LOGOUT_GRACE_MS, undefined, { ref: false }),
    ]);
  }
  client.close();
};

/** Opens a session, runs `fn`, and always logs out or closes. `fn`'s own errors pass through unchanged. */
export const withImap = async <T>(
  servers: MailServers,
  login: ImapLogin,
  fn: (client: ImapFlow) => Promise<T>,
  options: OpenImapOptions = {},
): Promise<T> => {
  const client = await openImap(servers, login, options);
  try {
    return await fn(client);
  } finally {
    await closeImap(client);
  }
};

/**
 * The folder the caller's mailbox lock selected. A session cut meanwhile has none: `imap.closed`, which a
 * sync resumes in a new session; a live session without it is a bug of ours, thrown as such.
 */
export const selectedMailbox = (client: ImapFlow, path: string) => {
  if (client.mailbox) return client.mailbox;
  if (!client.usable)
    throw new ImapError('imap.closed', null, `the session closed while ${path} was selected`, {
      cause: null,
    });
  throw new Error(`mailbox ${path} is not selected`);
};

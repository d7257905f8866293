import type { AddressInfo } from 'node:net';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { EmulatorContext } from '../../context.ts';
import type { LocalTls } from '../../tls/local-ca.ts';
import type { BackendTarget } from './backend.ts';
import { runSession } from './session.ts';

export interface ImapFrontOptions {
  readonly backend: BackendTarget;
  readonly tls: LocalTls;
  readonly profile: 'exchange' | 'rich';
}

export interface RunningImapFront {
  readonly port: number;
  readonly tlsPort: number;
  /** Open client connections, authenticated or not. */
  connections(): number;
  stop(): Promise<void>;
}

const listen = (server: Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

/**
 * The Exchange-like IMAP front: speaks Exchange Online's greeting, capabilities and failure texts, checks
 * XOAUTH2 tokens itself, then relays the session to Dovecot. Plain on one port, implicit TLS on another
 * (Exchange's 993).
 */
export const startImapFront = async (
  ctx: EmulatorContext,
  options: ImapFrontOptions,
): Promise<RunningImapFront> => {
  const sockets = new Set<Socket>();
  const handle = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    runSession(ctx, socket, options);
  };
  const plain = createNetServer(handle);
  const secure = createTlsServer({ key: options.tls.keyPem, cert: options.tls.certPem }, handle);
  const port = await listen(plain);
  const tlsPort = await listen(secure);
  return {
    port,
    tlsPort,
    connections: () => sockets.size,
    async stop() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([plain, secure].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
};

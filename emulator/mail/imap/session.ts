import type { Socket } from 'node:net';
import type { EmulatorContext } from '../../context.ts';
import type { AccessTokenClaims } from '../../identity/tokens.ts';
import { authorizeMailLogin } from '../mailbox-access.ts';
import {
  IMAP_AUTH_FAILED,
  IMAP_AUTH_OK,
  IMAP_CAPABILITY_PREAUTH,
  IMAP_LOGIN_FAILED,
  IMAP_LOGOUT_BYE,
  imapGreeting,
} from '../wire-texts.ts';
import { type BackendTarget, openBackend } from './backend.ts';
import { type ClientPiece, CommandSplitter } from './command-splitter.ts';
import { startNotConnected } from './not-connected.ts';
import { startRelay } from './relay.ts';
import { registerSession } from './session-registry.ts';
import { decodeXoauth2 } from './xoauth2.ts';

export interface SessionOptions {
  readonly backend: BackendTarget;
  readonly profile: 'exchange' | 'rich';
}

/** What an authenticated phase does with each piece the client sends. */
export type PieceHandler = (piece: ClientPiece) => void;

export interface ParsedCommand {
  readonly tag: string;
  readonly name: string;
  readonly args: string;
}

export const parseCommand = (line: string): ParsedCommand => {
  const [tag = '*', name = '', ...rest] = line.split(' ');
  return { tag, name: name.toUpperCase(), args: rest.join(' ') };
};

/** One client connection: Exchange's pre-authentication dialogue, then a relay to Dovecot or the "not connected" state. */
export const runSession = (ctx: EmulatorContext, client: Socket, options: SessionOptions): void => {
  const splitter = new CommandSplitter();
  const queue: ClientPiece[] = [];
  let waiting = false;
  let authenticated: PieceHandler | null = null;
  /** Tag of an AUTHENTICATE waiting for its SASL response line. */
  let saslTag: string | null = null;

  const send = (...lines: string[]) => {
    if (!client.destroyed) client.write(lines.map((l) => `${l}\r\n`).join(''));
  };

  const authenticate = async (tag: string, base64: string): Promise<void> => {
    const credentials = decodeXoauth2(base64);
    if (!credentials) return send(`${tag} ${IMAP_AUTH_FAILED}`);
    const access = await authorizeMailLogin(ctx, 'imap', credentials.user, credentials.token);
    if (access.ok) {
      const backend = await openBackend(options.backend, access.mailbox.address).catch(() => null);
      if (!backend) return send(`${tag} NO [UNAVAILABLE] Server Unavailable.`);
      // The client left while Dovecot logged in: nothing to relay, and a session registered now would be
      // counted forever (its socket's 'close' has already fired).
      if (client.destroyed) return void backend.destroy();
      const live = registerSession(ctx, access.mailbox.address, client);
      authenticated = startRelay(ctx, client, backend, splitter, {
        profile: options.profile,
        mailbox: access.mailbox.address,
        claims: access.claims,
        live,
      });
      return send(`${tag} ${IMAP_AUTH_OK}`);
    }
    if (access.failure === 'not_connected') {
      authenticated = startNotConnected(ctx, client, access.claims as AccessTokenClaims);
      return send(`${tag} ${IMAP_AUTH_OK}`);
    }
    send(`${tag} ${IMAP_AUTH_FAILED}`);
  };

  const preAuth = (piece: ClientPiece): Promise<void> | undefined => {
    if (piece.kind !== 'command') return undefined;
    if (saslTag !== null) {
      const tag = saslTag;
      saslTag = null;
      if (piece.line.trim() === '*') return void send(`${tag} BAD AUTHENTICATE aborted.`);
      return authenticate(tag, piece.line);
    }
    const { tag, name, args } = parseCommand(piece.line);
    switch (name) {
      case 'CAPABILITY':
        return void send(`* CAPABILITY ${IMAP_CAPABILITY_PREAUTH}`, `${tag} OK CAPABILITY completed.`);
      case 'NOOP':
        return void send(`${tag} OK NOOP completed.`);
      case 'ID':
        return void send('* ID NIL', `${tag} OK ID completed.`);
      case 'LOGOUT':
        send(IMAP_LOGOUT_BYE, `${tag} OK LOGOUT completed.`);
        return void client.end();
      case 'LOGIN':
        // Basic authentication is switched off in Exchange Online.
        splitter.cancelSynchronisingLiteral(piece.line);
        return void send(`${tag} ${IMAP_LOGIN_FAILED}`);
      case 'AUTHENTICATE': {
        const [mechanism = '', initial] = args.split(' ');
        if (mechanism.toUpperCase() !== 'XOAUTH2') return void send(`${tag} ${IMAP_AUTH_FAILED}`);
        if (initial) return authenticate(tag, initial);
        saslTag = tag;
        return void send('+ ');
      }
      default:
        return void send(`${tag} BAD Command received in Invalid state.`);
    }
  };

  const drain = () => {
    while (!waiting && queue.length > 0) {
      const piece = queue.shift()!;
      if (authenticated) {
        authenticated(piece);
        continue;
      }
      const pending = preAuth(piece);
      if (pending) {
        waiting = true;
        client.pause();
        pending
          .catch(() => client.destroy())
          .finally(() => {
            waiting = false;
            client.resume();
            drain();
          });
      }
    }
  };

  client.on('data', (chunk: Buffer) => {
    queue.push(...splitter.push(chunk));
    drain();
  });
  send(imapGreeting(ctx.mailHost));
};

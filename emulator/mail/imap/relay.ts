import type { Socket } from 'node:net';
import type { EmulatorContext } from '../../context.ts';
import type { AccessTokenClaims } from '../../identity/tokens.ts';
import { nowSeconds } from '../../state/directory.ts';
import {
  IMAP_CAPABILITY_POSTAUTH,
  IMAP_COMMAND_ERROR,
  IMAP_LOGOUT_BYE,
  IMAP_TOKEN_EXPIRED_BYE,
  imapThrottled,
} from '../wire-texts.ts';
import { type CommandSplitter, ResponseBoundary } from './command-splitter.ts';
import type { PieceHandler } from './session.ts';
import { parseCommand } from './session.ts';
import type { LiveSession } from './session-registry.ts';

export interface RelayOptions {
  readonly profile: 'exchange' | 'rich';
  readonly mailbox: string;
  readonly claims: AccessTokenClaims;
  /** The session as the control API counts it; the relay keeps its `idling` current. */
  readonly live: LiveSession;
}

/**
 * Relays an authenticated session to Dovecot, acting like Exchange where Exchange differs: its capability
 * list, `BYE Session invalidated - AccessTokenExpired` once the token has expired, and throttling when the
 * control API switches it on. Server bytes pass through untouched; the front's own lines are put only
 * between two server responses.
 */
export const startRelay = (
  ctx: EmulatorContext,
  client: Socket,
  backend: Socket,
  splitter: CommandSplitter,
  options: RelayOptions,
): PieceHandler => {
  const boundary = new ResponseBoundary();
  const pendingLocal: string[] = [];
  let closing = false;
  /** Literal bytes of a command the front refused are dropped, not relayed. */
  let swallowing = false;

  const flush = () => {
    if (!boundary.atBoundary || pendingLocal.length === 0 || client.destroyed) return;
    client.write(pendingLocal.join(''));
    pendingLocal.length = 0;
    if (closing) {
      client.end();
      backend.destroy();
    }
  };
  const sendLocal = (...lines: string[]) => {
    pendingLocal.push(...lines.map((l) => `${l}\r\n`));
    flush();
  };
  const closeWith = (...lines: string[]) => {
    closing = true;
    clearInterval(expiryTimer);
    sendLocal(...lines);
  };

  backend.on('data', (chunk: Buffer) => {
    boundary.push(chunk);
    // Backpressure as `pipe` does it: a slow client holds Dovecot back instead of the front buffering what
    // the client has not read yet (a whole 23 MB FETCH of bench/imap-front.ts's folder, measured).
    if (!client.destroyed && !client.write(chunk)) backend.pause();
    flush();
  });
  client.on('drain', () => backend.resume());
  backend.on('close', () => {
    clearInterval(expiryTimer);
    if (!closing) client.end();
  });
  backend.on('error', () => client.destroy());
  client.on('close', () => {
    clearInterval(expiryTimer);
    backend.destroy();
  });

  const expired = () => nowSeconds(ctx.dir) >= options.claims.exp;
  // A client idling in IDLE sends nothing; Exchange still ends the session when the token runs out.
  const expiryTimer = setInterval(() => {
    if (options.live.idling && expired()) closeWith(IMAP_TOKEN_EXPIRED_BYE);
  }, 1000);
  expiryTimer.unref();

  const throttledFor = (): number | null => {
    const throttle = ctx.dir.knobs.imapThrottle;
    if (!throttle || (throttle.mailbox !== null && throttle.mailbox !== options.mailbox)) return null;
    if (throttle.remaining !== null) {
      throttle.remaining -= 1;
      if (throttle.remaining <= 0) ctx.dir.knobs.imapThrottle = null;
    }
    return throttle.backoffMs;
  };

  return (piece) => {
    if (closing) return;
    if (piece.kind === 'continuation') {
      if (!swallowing) backend.write(piece.raw);
      return;
    }
    swallowing = false;
    if (expired()) return closeWith(IMAP_TOKEN_EXPIRED_BYE);
    if (piece.line.trim().toUpperCase() === 'DONE') {
      options.live.idling = false;
      backend.write(piece.raw);
      return;
    }
    const { tag, name } = parseCommand(piece.line);
    if (name === 'LOGOUT') return closeWith(IMAP_LOGOUT_BYE, `${tag} OK LOGOUT completed.`);
    const backoff = throttledFor();
    if (backoff !== null) {
      splitter.cancelSynchronisingLiteral(piece.line);
      swallowing = true;
      return sendLocal(`${tag} ${imapThrottled(backoff)}`);
    }
    if (options.profile === 'exchange') {
      if (name === 'CAPABILITY')
        return sendLocal(`* CAPABILITY ${IMAP_CAPABILITY_POSTAUTH}`, `${tag} OK CAPABILITY completed.`);
      if (name === 'ENABLE') return sendLocal(`${tag} ${IMAP_COMMAND_ERROR}`);
    }
    if (name === 'IDLE') options.live.idling = true;
    backend.write(piece.raw);
  };
};

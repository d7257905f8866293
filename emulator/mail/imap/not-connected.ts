import type { Socket } from 'node:net';
import type { EmulatorContext } from '../../context.ts';
import type { AccessTokenClaims } from '../../identity/tokens.ts';
import {
  IMAP_CAPABILITY_POSTAUTH,
  IMAP_LOGOUT_BYE,
  IMAP_NOT_CONNECTED,
  IMAP_NOT_CONNECTED_BYE,
} from '../wire-texts.ts';
import type { PieceHandler } from './session.ts';
import { parseCommand } from './session.ts';

/**
 * Exchange's answer to a valid token for a mailbox its principal may not open: AUTHENTICATE succeeded,
 * then every mailbox command is `BAD User is authenticated but not connected.` and, after a few,
 * `* BYE Connection closed. 14` (MailKit#1496, email-oauth2-proxy#74).
 */
export const startNotConnected = (
  _ctx: EmulatorContext,
  client: Socket,
  _claims: AccessTokenClaims,
): PieceHandler => {
  let refusals = 0;
  const send = (...lines: string[]) => {
    if (!client.destroyed) client.write(lines.map((l) => `${l}\r\n`).join(''));
  };
  return (piece) => {
    if (piece.kind !== 'command') return;
    const { tag, name } = parseCommand(piece.line);
    switch (name) {
      case 'CAPABILITY':
        return send(`* CAPABILITY ${IMAP_CAPABILITY_POSTAUTH}`, `${tag} OK CAPABILITY completed.`);
      case 'NOOP':
        return send(`${tag} OK NOOP completed.`);
      case 'ID':
        return send('* ID NIL', `${tag} OK ID completed.`);
      case 'LOGOUT':
        send(IMAP_LOGOUT_BYE, `${tag} OK LOGOUT completed.`);
        return client.end();
      default:
        refusals++;
        send(`${tag} ${IMAP_NOT_CONNECTED}`);
        if (refusals >= 3) {
          send(IMAP_NOT_CONNECTED_BYE);
          client.end();
        }
    }
  };
};

import { createConnection, type Socket } from 'node:net';

export interface BackendTarget {
  readonly port: number;
  readonly masterUser: string;
  readonly masterPassword: string;
}

const quote = (s: string): string => `"${s.replace(/(["\\])/g, '\\$1')}"`;

/**
 * Opens an IMAP session on the private Dovecot for `mailbox`, logged in as the master user
 * (`LOGIN "<mailbox>*<master>" "<password>"`), and hands back the socket right after the tagged OK.
 */
export const openBackend = (target: BackendTarget, mailbox: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port: target.port });
    let buffer = '';
    let greeted = false;
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(10_000, () => fail(new Error('backend login timed out')));
    socket.on('error', fail);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      let eol = buffer.indexOf('\r\n');
      while (eol >= 0) {
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 2);
        if (!greeted && line.startsWith('* OK')) {
          greeted = true;
          socket.write(
            `b1 LOGIN ${quote(`${mailbox}*${target.masterUser}`)} ${quote(target.masterPassword)}\r\n`,
          );
        } else if (line.startsWith('b1 OK')) {
          socket.off('data', onData);
          socket.off('error', fail);
          socket.setTimeout(0);
          resolve(socket);
          return;
        } else if (line.startsWith('b1 ')) {
          fail(new Error(`backend login refused: ${line}`));
          return;
        }
        eol = buffer.indexOf('\r\n');
      }
    };
    socket.on('data', onData);
  });

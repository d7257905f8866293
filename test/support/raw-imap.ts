import { createConnection, type Socket } from 'node:net';

/** A line-oriented IMAP client for asserting Exchange's exact wire texts. */
export interface RawImap {
  readonly greeting: string;
  /** Sends `line` and returns every line up to and including the tagged completion (or a BYE). */
  command(tag: string, line: string): Promise<string[]>;
  /** Sends a bare line (a SASL response, DONE) and returns every line up to the completion of `tag`. */
  reply(line: string, tag: string): Promise<string[]>;
  /** Lines received since the last call, waiting up to `ms` for at least one. */
  read(ms: number): Promise<string[]>;
  close(): void;
}

export const connectRawImap = (port: number): Promise<RawImap> =>
  new Promise((resolve, reject) => {
    const socket: Socket = createConnection({ host: '127.0.0.1', port });
    let buffer = '';
    const lines: string[] = [];
    let wake: (() => void) | null = null;
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let eol = buffer.indexOf('\r\n');
      while (eol >= 0) {
        lines.push(buffer.slice(0, eol));
        buffer = buffer.slice(eol + 2);
        eol = buffer.indexOf('\r\n');
      }
      wake?.();
    });
    socket.on('close', () => wake?.());
    socket.once('error', reject);
    const next = (ms: number): Promise<string | null> =>
      new Promise((res) => {
        if (lines.length > 0) return res(lines.shift()!);
        if (socket.destroyed || socket.readableEnded) return res(null);
        const timer = setTimeout(() => {
          wake = null;
          res(null);
        }, ms);
        wake = () => {
          clearTimeout(timer);
          wake = null;
          res(lines.shift() ?? null);
        };
      });
    next(5000).then((greeting) => {
      if (greeting === null) return reject(new Error('no greeting'));
      const raw: RawImap = {
        greeting,
        command(tag, line) {
          return raw.reply(`${tag} ${line}`, tag);
        },
        async reply(line, tag) {
          socket.write(`${line}\r\n`);
          const out: string[] = [];
          for (;;) {
            const l = await next(5000);
            if (l === null) return out;
            out.push(l);
            if (l.startsWith(`${tag} `) || l.startsWith('* BYE') || l.startsWith('+')) return out;
          }
        },
        async read(ms) {
          const out: string[] = [];
          let l = await next(ms);
          while (l !== null) {
            out.push(l);
            l = await next(50);
          }
          return out;
        },
        close: () => socket.destroy(),
      };
      resolve(raw);
    });
  });

export const xoauth2 = (user: string, token: string): string =>
  Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');

/**
 * Splits what an IMAP client sends into commands without buffering literals: each piece is either the
 * first line of a command (where the front may act), or raw bytes that belong to the current command
 * (continuation lines and literal octets, RFC 3501 §4.3 / RFC 7888 LITERAL+).
 */
export type ClientPiece =
  | { readonly kind: 'command'; readonly line: string; readonly raw: Buffer }
  | { readonly kind: 'continuation'; readonly raw: Buffer };

const LITERAL_AT_END = /\{(\d+)\+?\}$/;

export class CommandSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private literalRemaining = 0;
  /** True while the current command continues after a literal. */
  private inCommand = false;

  push(chunk: Buffer): ClientPiece[] {
    const pieces: ClientPiece[] = [];
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.literalRemaining > 0) {
        const take = Math.min(this.literalRemaining, data.length);
        pieces.push({ kind: 'continuation', raw: data.subarray(0, take) });
        this.literalRemaining -= take;
        data = data.subarray(take);
        continue;
      }
      const eol = data.indexOf(0x0a);
      if (eol < 0) {
        this.pending = Buffer.from(data);
        break;
      }
      const raw = data.subarray(0, eol + 1);
      data = data.subarray(eol + 1);
      const line = raw.toString('latin1').replace(/\r?\n$/, '');
      const literal = LITERAL_AT_END.exec(line);
      pieces.push(this.inCommand ? { kind: 'continuation', raw } : { kind: 'command', line, raw });
      if (literal) {
        this.literalRemaining = Number(literal[1]);
        this.inCommand = true;
      } else {
        this.inCommand = false;
      }
    }
    return pieces;
  }

  /** The client was told not to send the literal it announced with a synchronising `{N}`. */
  cancelSynchronisingLiteral(line: string): void {
    if (/\{\d+\}$/.test(line)) {
      this.literalRemaining = 0;
      this.inCommand = false;
    }
  }
}

/**
 * Follows what the server sends to tell whether the stream stands between two responses, so the front
 * can put a line of its own there without cutting a response or a literal in two.
 */
export class ResponseBoundary {
  private literalRemaining = 0;
  private tail = '';
  atBoundary = true;

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.literalRemaining > 0) {
        const take = Math.min(this.literalRemaining, chunk.length - pos);
        this.literalRemaining -= take;
        pos += take;
        this.atBoundary = false;
        continue;
      }
      const eol = chunk.indexOf(0x0a, pos);
      if (eol < 0) {
        this.tail = (
          this.tail + chunk.toString('latin1', Math.max(pos, chunk.length - 24), chunk.length)
        ).slice(-24);
        this.atBoundary = false;
        return;
      }
      const end = (this.tail + chunk.toString('latin1', Math.max(pos, eol - 24), eol)).replace(/\r$/, '');
      this.tail = '';
      const literal = /\{(\d+)\}$/.exec(end);
      if (literal) {
        this.literalRemaining = Number(literal[1]);
        this.atBoundary = false;
      } else {
        this.atBoundary = true;
      }
      pos = eol + 1;
    }
  }
}

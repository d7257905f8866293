/**
 * Splits the bytes of an IMAP session into whole responses (RFC 3501 §7, §4.3): a response is lines up to
 * a CRLF that does not end in a literal's announcement `{n}`, with each literal's n bytes in between. The
 * bytes of a response are kept as they came (`raw`), so a response that is not the reader's can be handed
 * on unchanged; each literal is also copied out of the socket's chunks (`literals`), so a message's source
 * never holds the chunk it arrived in: a literal of up to SLAB_LITERAL_BYTES into the next free part of a
 * slab (a listing's sources, one after the other), a larger one into a buffer of its own.
 */
export interface RawResponse {
  /** The response's lines with `\0` for each literal (in order), CRLFs and `{n}` announcements kept, latin1. */
  readonly text: string;
  readonly literals: readonly Buffer[];
  /** The response exactly as it came, for a reader that hands it on. */
  readonly raw: () => Buffer;
}

export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

/**
 * A buffer of its own for each ~4 KB source cost the listing a memory allocation and an ArrayBuffer for
 * the collector to track per message (node's own pool stops at 4 KB): 20,000 of them per 20,000 messages.
 * Cut from 512 KB slabs instead, ~127 sources of ~4.1 KB share one: about 160 allocations per 20,000. A
 * slab is freed when the last source cut from it is (consecutive messages, stored in the same batches).
 * Never reused: a source cannot be written over.
 */
const SLAB_BYTES = 512 * 1024;
const SLAB_LITERAL_BYTES = 64 * 1024;

const LF = 0x0a;
const CLOSE_BRACE = 0x7d;

/**
 * Feeds on chunks (`push`) and calls `onResponse` for each whole response. A line longer than
 * `maxLineBytes` or a literal larger than `maxLiteralBytes` is an error thrown from `push`: a server
 * cannot make the reader hold unbounded bytes.
 */
export class ResponseSplitter {
  /** Raw pieces of the response being read: its lines so far and its literals. */
  private pieces: Buffer[] = [];
  /** The current line's bytes (before its LF), across chunks. */
  private line: Buffer[] = [];
  private lineBytes = 0;
  private textParts: string[] = [];
  private literals: Buffer[] = [];
  /** The literal being read: its buffer and how much of it has come. */
  private literal: Buffer | null = null;
  private literalAt = 0;
  /** The slab small literals are cut from, and where its free part starts. */
  private slab: Buffer | null = null;
  private slabAt = 0;

  constructor(
    private readonly onResponse: (response: RawResponse) => void,
    private readonly limits: { readonly maxLineBytes: number; readonly maxLiteralBytes: number },
  ) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.literal) {
        const n = Math.min(this.literal.length - this.literalAt, chunk.length - at);
        chunk.copy(this.literal, this.literalAt, at, at + n);
        this.literalAt += n;
        at += n;
        if (this.literalAt === this.literal.length) {
          this.pieces.push(this.literal);
          this.literals.push(this.literal);
          this.textParts.push('\0');
          this.literal = null;
        }
        continue;
      }
      const lf = chunk.indexOf(LF, at);
      const end = lf < 0 ? chunk.length : lf + 1;
      this.lineBytes += end - at;
      if (this.lineBytes > this.limits.maxLineBytes)
        throw new ResponseTooLargeError(`a response line longer than ${this.limits.maxLineBytes} bytes`);
      this.line.push(chunk.subarray(at, end));
      at = end;
      if (lf >= 0) this.endLine();
    }
  }

  /**
   * The bytes of a response not yet whole, as they came (empty between responses); the splitter is
   * empty after it. For a reader that hands the rest of the session on.
   */
  takeRest(): Buffer {
    const rest = Buffer.concat([
      ...this.pieces,
      ...(this.literal ? [this.literal.subarray(0, this.literalAt)] : []),
      ...this.line,
    ]);
    this.pieces = [];
    this.line = [];
    this.lineBytes = 0;
    this.textParts = [];
    this.literals = [];
    this.literal = null;
    this.literalAt = 0;
    return rest;
  }

  private endLine(): void {
    const line = this.line.length === 1 ? Buffer.from(this.line[0]!) : Buffer.concat(this.line);
    this.line = [];
    this.lineBytes = 0;
    this.pieces.push(line);
    this.textParts.push(line.toString('latin1'));
    const size = announcedLiteral(line);
    if (size !== null) {
      if (size > this.limits.maxLiteralBytes)
        throw new ResponseTooLargeError(
          `a literal of ${size} bytes (at most ${this.limits.maxLiteralBytes})`,
        );
      this.literalAt = 0;
      if (size > 0) {
        this.literal = this.literalBuffer(size);
        return;
      }
      this.literals.push(Buffer.alloc(0));
      this.textParts.push('\0');
      return;
    }
    const pieces = this.pieces;
    const response: RawResponse = {
      text: this.textParts.join(''),
      literals: this.literals,
      raw: () => Buffer.concat(pieces),
    };
    this.pieces = [];
    this.textParts = [];
    this.literals = [];
    this.onResponse(response);
  }

  /** Room for a literal of `size` bytes, filled before anything reads it (uninitialised memory otherwise). */
  private literalBuffer(size: number): Buffer {
    if (size > SLAB_LITERAL_BYTES) return Buffer.allocUnsafeSlow(size);
    if (!this.slab || this.slab.length - this.slabAt < size) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.slabAt = 0;
    }
    const literal = this.slab.subarray(this.slabAt, this.slabAt + size);
    this.slabAt += size;
    return literal;
  }
}

/** `… {123}\r\n` (or `{123+}`, LITERAL+) → 123; else null. Up to 10 digits are read. */
const announcedLiteral = (line: Buffer): number | null => {
  let end = line.length - 1; // the LF
  if (end > 0 && line[end - 1] === 0x0d) end--;
  if (end < 3 || line[end - 1] !== CLOSE_BRACE) return null;
  let i = end - 2;
  if (line[i] === 0x2b) i--; // '+'
  let size = 0;
  let digits = 0;
  for (; i >= 0 && line[i]! >= 0x30 && line[i]! <= 0x39; i--, digits++) {
    if (digits === 10) return null;
    size += (line[i]! - 0x30) * 10 ** digits;
  }
  return digits > 0 && i >= 0 && line[i] === 0x7b ? size : null;
};

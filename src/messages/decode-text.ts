import { Transform, type TransformCallback } from 'node:stream';
import { TextDecoder } from 'node:util';
import type { IconvConstructor } from 'mailparser';

/** Strict UTF-8: invalid bytes make it throw, which is how a latin1 text is told apart from UTF-8. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
/**
 * The WHATWG label "latin1" decodes windows-1252, a superset of ISO-8859-1's printable characters:
 * mail that says (or leaves unsaid) latin1 is in practice written by Windows in windows-1252.
 */
const latin1 = new TextDecoder('latin1');

/** Bytes of unknown encoding: UTF-8 when they are valid UTF-8 (ASCII is), latin1 otherwise. */
export const decodeUnknown = (bytes: Uint8Array): { text: string; as: 'utf-8' | 'latin1' } => {
  try {
    return { text: strictUtf8.decode(bytes), as: 'utf-8' };
  } catch {
    return { text: latin1.decode(bytes), as: 'latin1' };
  }
};

/**
 * Charset names seen in mail that the WHATWG Encoding Standard spells otherwise: `win-1252`, and
 * mailparser's own rename of `ks_c_5601-1987` (Outlook's name for Korean) to `CP949`.
 */
const normaliseCharset = (charset: string): string =>
  charset
    .trim()
    .toLowerCase()
    .replace(/^win(?:dows)?[-_]?(\d{4})$/, 'windows-$1')
    .replace(/^cp949$/, 'euc-kr');

const decoderFor = (charset: string): TextDecoder | null => {
  try {
    return new TextDecoder(normaliseCharset(charset));
  } catch {
    return null;
  }
};

/**
 * A text body in its declared charset, streamed, decoded by Node's built-in WHATWG decoders (the
 * charsets browsers read). A charset they do not know is collected and read as UTF-8 or latin1
 * (`decodeUnknown`), and reported: libmime's default would read it as UTF-8 and turn every latin1
 * accent into U+FFFD.
 */
class BodyDecoder extends Transform {
  private readonly decoder: TextDecoder | null;
  private readonly unknown: Buffer[] = [];

  constructor(
    private readonly charset: string,
    private readonly warn: (charset: string, as: string) => void,
  ) {
    super();
    this.decoder = decoderFor(charset);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.decoder) {
      // `stream: true` keeps a multibyte character split across two chunks whole.
      done(null, Buffer.from(this.decoder.decode(chunk, { stream: true }), 'utf8'));
    } else {
      this.unknown.push(chunk);
      done();
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.decoder) {
      done(null, Buffer.from(this.decoder.decode(), 'utf8'));
    } else {
      const { text, as } = decodeUnknown(Buffer.concat(this.unknown));
      this.warn(this.charset, as);
      done(null, Buffer.from(text, 'utf8'));
    }
  }
}

/** mailparser's `Iconv` option (`new Iconv(fromCharset, toCharset)`), reporting unknown charsets of one message. */
export const charsetDecoders = (warn: (charset: string, as: string) => void): IconvConstructor =>
  class extends BodyDecoder {
    constructor(fromCharset: string) {
      super(fromCharset, warn);
    }
  };

/**
 * The top-level header block, made UTF-8. Raw 8-bit headers are UTF-8 in RFC 6532 mail; older
 * software writes them in latin1, which mailparser would turn into U+FFFD. Returns where the body
 * starts, so the body is handed on without a copy.
 */
export const repairHead = (source: Buffer): { head: Buffer; bodyStart: number; latin1: boolean } => {
  const crlf = source.indexOf('\r\n\r\n');
  // Bare-LF mail: only looked for before the first CRLF blank line, not through a 20 MB body.
  const lf = source.subarray(0, crlf >= 0 ? crlf : source.length).indexOf('\n\n');
  const end = lf >= 0 ? lf + 2 : crlf >= 0 ? crlf + 4 : source.length;
  const head = source.subarray(0, end);
  if (!head.some((byte) => byte >= 0x80)) return { head, bodyStart: end, latin1: false };
  const { text, as } = decodeUnknown(head);
  return as === 'utf-8'
    ? { head, bodyStart: end, latin1: false }
    : { head: Buffer.from(text, 'utf8'), bodyStart: end, latin1: true };
};

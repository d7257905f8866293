// A minimal DER encoder (ITU-T X.690 §8 and §10): just the types a self-signed X.509 certificate needs
// (RFC 5280 §4.1). Definite lengths only, as DER requires.

/** Tag, length (short form below 128, else long form, X.690 §8.1.3) and content. */
export const tlv = (tag: number, content: Uint8Array): Buffer => {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
};

export const sequence = (...items: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(items));
export const set = (...items: Uint8Array[]): Buffer => tlv(0x31, Buffer.concat(items));
export const nullValue = (): Buffer => Buffer.from([0x05, 0x00]);
export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));
export const utf8String = (value: string): Buffer => tlv(0x0c, Buffer.from(value, 'utf8'));
export const octetString = (value: Uint8Array): Buffer => tlv(0x04, value);
/** An explicit context-specific tag, constructed ([n] EXPLICIT). */
export const explicit = (n: number, inner: Uint8Array): Buffer => tlv(0xa0 | n, inner);

/** A BIT STRING of whole bytes (no unused bits). */
export const bitString = (value: Uint8Array): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), value]));

/**
 * A non-negative INTEGER from big-endian bytes: leading zeros stripped, one 0x00 added when the top bit is
 * set, so it does not read as negative (X.690 §8.3.2).
 */
export const unsignedInteger = (bytes: Uint8Array): Buffer => {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = Buffer.from(bytes.subarray(start));
  const content = trimmed.length === 0 ? Buffer.from([0]) : trimmed;
  return tlv(0x02, (content[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), content]) : content);
};

export const smallInteger = (value: number): Buffer => {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff)
    throw new RangeError('smallInteger takes 0 … 2^31-1');
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return unsignedInteger(Buffer.from(bytes.length ? bytes : [0]));
};

/** OBJECT IDENTIFIER from dotted text: first two arcs as 40·a+b, then base-128 big-endian (X.690 §8.19). */
export const objectIdentifier = (dotted: string): Buffer => {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d{1,9}$/.test(a)) throw new RangeError(`not an OID arc: ${a}`);
    return Number(a);
  });
  if (arcs.length < 2 || arcs[0]! > 2) throw new RangeError(`not an OID: ${dotted}`);
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const groups = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(0x06, Buffer.from(out));
};

const two = (n: number) => String(n).padStart(2, '0');

/**
 * RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) for 1950–2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050;
 * seconds always, no fractions.
 */
export const time = (date: Date): Buffer => {
  const y = date.getUTCFullYear();
  if (y < 1950 || y > 9999) throw new RangeError('certificate dates are 1950 … 9999');
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return y < 2050
    ? tlv(0x17, Buffer.from(`${two(y % 100)}${rest}`, 'ascii'))
    : tlv(0x18, Buffer.from(`${y}${rest}`, 'ascii'));
};

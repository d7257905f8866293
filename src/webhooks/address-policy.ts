import { BlockList, isIP } from 'node:net';

/**
 * Which addresses a webhook may be sent to (SSRF): never private, loopback, link-local, unique-local,
 * CGNAT, multicast, reserved or unspecified ones, unless the operator allows private addresses
 * (MAILROOM_WEBHOOKS_ALLOW_PRIVATE). Checked on the resolved address the connection then uses
 * (webhooks/send-webhook.ts), so a name cannot resolve to a public address here and a private one there.
 */
const V4: readonly (readonly [string, number])[] = [
  ['0.0.0.0', 8], // "this network", unspecified (RFC 1122)
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // CGNAT (RFC 6598)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (RFC 3927)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments (RFC 6890)
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast
];
const V6: readonly (readonly [string, number])[] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard (RFC 6666)
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique-local (RFC 4193)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, RFC 3879)
  ['ff00::', 8], // multicast
];

const blocked = new BlockList();
for (const [network, prefix] of V4) blocked.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of V6) blocked.addSubnet(network, prefix, 'ipv6');

/** The 16 bytes of an IPv6 address in any of its textual forms (`::ffff:127.0.0.1`, `::ffff:7f00:1`). */
const ipv6Bytes = (address: string): number[] => {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const middle = new Array(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].flatMap((g) => {
    const n = Number.parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
};

/**
 * The IPv4 address an IPv6 one carries, where a connection to it reaches that IPv4 address: IPv4-mapped
 * (`::ffff:0:0/96`), IPv4-compatible (`::/96`, deprecated), NAT64 (`64:ff9b::/96`, RFC 6052).
 */
const embeddedIpv4 = (address: string): string | null => {
  const b = ipv6Bytes(address);
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const mapped = zeros(0, 10) && b[10] === 0xff && b[11] === 0xff;
  const compatible = zeros(0, 12);
  const nat64 = b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12);
  return mapped || compatible || nat64 ? b.slice(12).join('.') : null;
};

/** Whether `address` (an IP literal) is one webhooks must not reach without the operator's leave. */
export const isPrivateAddress = (address: string): boolean => {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIpv4(address);
  if (v4 !== null && v4 !== '0.0.0.0' && v4 !== '0.0.0.1') return isPrivateAddress(v4);
  return blocked.check(address.replace(/%.*$/, ''), 'ipv6');
};

/** A URL host as an IP literal (`[::1]` unbracketed), or null when it is a name. */
export const ipLiteralOf = (hostname: string): string | null => {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : null;
};

import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { Config } from '../config.ts';

/** The hops of X-Forwarded-For looked at, from the right; a longer chain is a client's invention. */
const MAX_HOPS = 16;
/** The longest text form of an address (an IPv6 address with an embedded IPv4 one). */
const MAX_ADDRESS = 45;

/** `::ffff:10.0.0.1`, how a dual-stack socket reports an IPv4 peer, is 10.0.0.1. */
const plain = (address: string): string =>
  /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;

const familyOf = (address: string): 'ipv4' | 'ipv6' | null =>
  (({ 4: 'ipv4', 6: 'ipv6' }) as const)[isIP(address) as 4 | 6] ?? null;

/** The proxies of MAILROOM_TRUST_PROXY (validated by config.ts) as a set to test addresses against. */
export const trustedProxies = (config: Pick<Config, 'trustProxy'>): BlockList | null => {
  if (config.trustProxy.length === 0) return null;
  const list = new BlockList();
  for (const entry of config.trustProxy) {
    const [address = '', prefix] = entry.split('/');
    const family = familyOf(address);
    if (!family) continue;
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
};

const isTrusted = (proxies: BlockList, address: string): boolean => {
  const family = familyOf(address);
  return family !== null && proxies.check(address, family);
};

/**
 * Who is asking, for per-client limits: the socket's peer, unless that peer is a trusted proxy; then the
 * rightmost X-Forwarded-For hop that is not itself a trusted proxy (each proxy appends the peer it saw, so
 * what lies left of that hop is whatever the client wrote). A hop that is not an address ends the walk at
 * the last address a trusted proxy vouched for.
 */
export const clientAddress = (
  proxies: BlockList | null,
  socket: string | undefined,
  forwardedFor: string | undefined,
): string => {
  let client = plain(socket ?? 'unknown');
  if (!proxies || !isTrusted(proxies, client) || !forwardedFor) return client;
  // Node caps a request's headers at 16 KB, so the split is bounded; each hop is bounded before its regex.
  const hops = forwardedFor.split(',').slice(-MAX_HOPS).reverse();
  for (const hop of hops) {
    const trimmed = hop.trim();
    const address = trimmed.length <= MAX_ADDRESS ? plain(trimmed) : '';
    if (!familyOf(address)) return client;
    client = address;
    if (!isTrusted(proxies, address)) return client;
  }
  return client;
};

/** `clientAddress` for a request served by @hono/node-server. */
export const requestClientAddress = (proxies: BlockList | null, c: Context): string =>
  clientAddress(proxies, getConnInfo(c).remote.address, c.req.header('x-forwarded-for'));

import type { GraphRequest } from './graph-client.ts';
import { GraphError } from './graph-error.ts';

const originOf = (url: string): string | null => {
  try {
    return new URL(url).origin;
  } catch (error) {
    if (error instanceof TypeError) return null;
    throw error;
  }
};

/**
 * The URL a request goes to. A path is put under the base URL. A link Graph handed out (`@odata.nextLink`,
 * `@odata.deltaLink`) is followed verbatim (§3: it carries `$skip`/`$skiptoken`; never parsed) but only on
 * the base URL's own origin, since the token goes with it (DESIGN.md: tokens go only to the hosts they were
 * issued for). A pre-authenticated upload URL carries no token and may be on another host, over https (or
 * over http only when Graph itself is reached over http: the emulator on loopback).
 */
export const resolveGraphUrl = (baseUrl: string, request: GraphRequest): string => {
  const query = request.query ? `?${new URLSearchParams(request.query)}` : '';
  if (request.path.startsWith('/')) return `${baseUrl}${request.path}${query}`;
  const origin = originOf(request.path);
  const base = new URL(baseUrl);
  const allowed = request.anonymous
    ? origin !== null && (origin.startsWith('https:') || base.protocol === 'http:')
    : origin === base.origin;
  if (!allowed) throw new GraphError('graph.protocol', {}, request.context);
  return `${request.path}${query && request.path.includes('?') ? `&${query.slice(1)}` : query}`;
};

// fetch that trusts the emulator's local CA for one client only (never NODE_TLS_REJECT_UNAUTHORIZED, STYLE.md §12),
// optionally sending requests for Microsoft's host names to the emulator while keeping TLS verification
// against that name (the emulator's certificate carries login.microsoftonline.com as a SAN).
import { isIP } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** An undici Agent trusting `caPem`; with `route`, every connection goes to that `host:port` instead. */
export const trustingAgent = (caPem: string, route?: { host: string; port: number }): Agent => {
  if (!route) return new Agent({ connect: { ca: caPem } });
  const connector = buildConnector({ ca: caPem });
  return new Agent({
    connect: (opts, callback) =>
      connector(
        {
          ...opts,
          // TLS verification stays on, against the name the client asked for (no SNI for IP addresses, RFC 6066).
          servername: isIP(opts.hostname) ? undefined : opts.hostname,
          hostname: route.host,
          port: String(route.port),
        },
        callback,
      ),
  });
};

/** undici's fetch through `agent`, typed as the global fetch for libraries that take a custom fetch. */
export const fetchWith = (agent: Agent): FetchLike =>
  ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher: agent,
    })) as unknown as FetchLike;

/** `https://127.0.0.1:PORT` → the route that sends `login.microsoftonline.com` there. */
export const routeTo = (httpsUrl: string): { host: string; port: number } => {
  const url = new URL(httpsUrl);
  return { host: url.hostname, port: Number(url.port) };
};

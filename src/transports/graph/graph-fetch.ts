import { rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';

/** The subset of fetch the Graph client uses: binary bodies (upload ranges) and a caller's AbortSignal. */
export type GraphFetch = (
  url: string,
  init: {
    readonly method: string;
    readonly headers: Record<string, string>;
    readonly body?: string | Uint8Array;
    readonly signal: AbortSignal;
  },
) => Promise<Response>;

/**
 * fetch for Graph, as src/net/outbound-fetch.ts does for the identity platform: the system CAs plus the
 * configured extra ones (MAILROOM_EXTRA_CA_FILE, the emulator's CA in tests) trusted for this client only,
 * never by switching TLS checks off; connect timeout here, the whole request's timeout in the client.
 */
export const createGraphFetch = (options: {
  readonly extraCaPem: string | null;
  readonly connectTimeoutMs: number;
}): GraphFetch => {
  const dispatcher = new Agent({
    connect: {
      ca: options.extraCaPem ? [...rootCertificates, options.extraCaPem] : [...rootCertificates],
      timeout: options.connectTimeoutMs,
    },
  });
  return async (url, init) =>
    (await undiciFetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: init.signal,
      dispatcher,
    })) as unknown as Response;
};

import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Config } from '../config.ts';

export type OutboundFetch = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<Response>;

/**
 * `fetch` for calls to Microsoft (or the configured authority): a timeout on every request, and the
 * system CAs plus MAILROOM_EXTRA_CA_FILE trusted for this client only, never by switching TLS checks off.
 */
export const createOutboundFetch = (config: Config): OutboundFetch => {
  const extra = config.extraCaFile ? readFileSync(config.extraCaFile, 'utf8') : null;
  const dispatcher = new Agent({
    connect: {
      ca: extra ? [...rootCertificates, extra] : [...rootCertificates],
      timeout: config.httpTimeoutMs,
    },
    headersTimeout: config.httpTimeoutMs,
    bodyTimeout: config.httpTimeoutMs,
  });
  return async (url, init = {}) =>
    (await undiciFetch(url, {
      ...init,
      dispatcher,
      signal: AbortSignal.timeout(config.httpTimeoutMs),
    })) as unknown as Response;
};

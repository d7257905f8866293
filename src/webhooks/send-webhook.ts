import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { isCertificateNotVerified } from '../net/tls-errors.ts';
import { ipLiteralOf, isPrivateAddress } from './address-policy.ts';
import { WebhookError } from './webhook-error.ts';

/** Each attempt's limit, connection to last byte. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** What is read of a receiver's answer: only to finish the exchange; its content is not kept. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface WebhookResponse {
  readonly status: number;
  readonly durationMs: number;
}

const refusal = (address: string) =>
  new WebhookError(
    'webhook.private_address',
    `the address ${address} is private, loopback, link-local or otherwise internal; webhooks may only go there when the operator sets MAILROOM_WEBHOOKS_ALLOW_PRIVATE=true`,
  );

/**
 * Resolves the name once, refuses it if any of its addresses is internal, and hands the connection the
 * address it checked: nothing resolves the name again, so it cannot change between check and connect
 * (DNS rebinding).
 */
const checkedLookup =
  (allowPrivate: boolean): LookupFunction =>
  (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses: LookupAddress[]) => {
      if (error || addresses.length === 0) {
        callback(
          new WebhookError('webhook.dns_failed', `the name ${hostname} did not resolve`, { cause: error }),
          '',
          4,
        );
        return;
      }
      const internal = addresses.find((a) => isPrivateAddress(a.address));
      if (internal && !allowPrivate) {
        callback(refusal(`${internal.address} (of ${hostname})`), '', 4);
        return;
      }
      const wanted = addresses.filter((a) => !options.family || a.family === options.family);
      const chosen = wanted[0] ?? addresses[0]!;
      if (options.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [chosen]);
      else callback(null, chosen.address, chosen.family);
    });
  };

const tlsFailure = (error: Error & { code?: string }) =>
  new WebhookError(
    'webhook.tls_failed',
    `the receiver's TLS certificate did not verify (${error.code}: ${error.message.slice(0, 200)}); nothing was sent. A certificate from a private CA is trusted when the operator gives that CA with MAILROOM_WEBHOOKS_CA_FILE`,
    { cause: error },
  );

const drain = (response: IncomingMessage): Promise<void> =>
  new Promise((resolve, reject) => {
    let read = 0;
    response.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > MAX_RESPONSE_BYTES) response.destroy();
    });
    response.on('end', resolve);
    response.on('close', resolve);
    response.on('error', reject);
  });

/**
 * One POST of a webhook: 10 s at most, redirects never followed (a 3xx is the receiver's answer, and a
 * failure), the address checked after resolution and the connection pinned to it; over https, the
 * certificate verified against the system's CAs and `extraCa` (for the URL's host name, not the address). Resolves with any
 * status; rejects with a WebhookError when no answer came.
 */
export const sendWebhook = (
  request: WebhookRequest,
  options: {
    readonly allowPrivate: boolean;
    readonly timeoutMs?: number;
    /** PEM of CAs trusted beside the system's (MAILROOM_WEBHOOKS_CA_FILE); TLS checks are never off. */
    readonly extraCa?: string | null;
  },
): Promise<WebhookResponse> => {
  const url = new URL(request.url);
  const literal = ipLiteralOf(url.hostname);
  if (literal && !options.allowPrivate && isPrivateAddress(literal)) return Promise.reject(refusal(literal));
  const started = performance.now();
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
        lookup: checkedLookup(options.allowPrivate),
        agent: false,
        ...(options.extraCa ? { ca: [...rootCertificates, options.extraCa] } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      },
      (response) => {
        drain(response).then(
          () =>
            resolve({
              status: response.statusCode ?? 0,
              durationMs: Math.round(performance.now() - started),
            }),
          (error: unknown) =>
            reject(new WebhookError('webhook.connect_failed', 'the answer was cut off', { cause: error })),
        );
      },
    );
    req.on('error', (error: Error & { code?: string }) => {
      if (error instanceof WebhookError) reject(error);
      else if (isCertificateNotVerified(error.code)) reject(tlsFailure(error));
      else if (error.name === 'AbortError' || error.name === 'TimeoutError')
        reject(
          new WebhookError('webhook.timeout', `no answer within ${timeoutMs / 1000} s`, { cause: error }),
        );
      else
        reject(
          new WebhookError(
            'webhook.connect_failed',
            `could not reach the receiver (${error.code ?? error.name})`,
            {
              cause: error,
            },
          ),
        );
    });
    req.end(request.body);
  });
};

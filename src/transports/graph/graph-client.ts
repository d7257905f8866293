import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../log/logger.ts';
import { createMailboxConcurrency, type MailboxConcurrency } from './concurrency.ts';
import type { GraphErrorContext } from './graph-advice.ts';
import { GraphError, graphErrorFromAnswer } from './graph-error.ts';
import type { GraphFetch } from './graph-fetch.ts';
import { graphErrorFromThrown } from './network-error.ts';
import { readBounded } from './read-body.ts';
import { resolveGraphUrl } from './resolve-url.ts';
import { retryAfterMs } from './retry-after.ts';

/**
 * The mailbox's Graph access token; with `forceRefresh` a new one even if the stored one looks valid
 * (after Graph refused it). A plain `() => Promise<string>` fits.
 */
export type GetToken = (options?: { readonly forceRefresh?: boolean }) => Promise<string>;

export interface GraphClientOptions {
  /** Graph v1.0's root, e.g. `https://graph.microsoft.com/v1.0` (graphBaseUrl). */
  readonly baseUrl: string;
  readonly fetch: GraphFetch;
  /** One attempt, body included, unless a request names its own. */
  readonly timeoutMs: number;
  /** JSON bodies larger than this are not parsed (default 16 MiB: a delta page of 999 listings fits). */
  readonly maxJsonBytes?: number;
  /** Retries of a 429 or 503 answer (default 3). */
  readonly maxRetries?: number;
  /** The longest Retry-After waited in line; a longer one is handed to the caller (default 60 s). */
  readonly maxRetryWaitMs?: number;
  /** Requests in flight for the app (default: 4, Outlook's MailboxConcurrency). */
  readonly concurrency?: MailboxConcurrency;
  readonly logger?: Logger;
}

export type GraphMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface GraphRequest {
  readonly method: GraphMethod;
  /** A path under the base URL (`/me/mailFolders`), or a link Graph handed out (`@odata.nextLink`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly body?: { readonly contentType: string; readonly data: string | Uint8Array };
  /** Headers of this request only (e.g. `content-range`); never the Authorization header. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Preferences besides `IdType="ImmutableId"`, e.g. `odata.maxpagesize=100`. */
  readonly prefer?: readonly string[];
  /** What the answer is read as: parsed JSON, bytes up to a bound, or nothing (202, 204). */
  readonly read: 'json' | 'none' | { readonly maxBytes: number };
  readonly context: GraphErrorContext;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** A pre-authenticated upload URL (§5): sent without the Authorization header, to the host Graph named. */
  readonly anonymous?: boolean;
}

export interface GraphAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
  readonly bytes: Buffer | null;
}

export interface GraphClient {
  request(request: GraphRequest): Promise<GraphAnswer>;
}

export interface GraphClientFactory {
  /** Shared by every client of this factory: one app registration's requests in flight. */
  readonly concurrency: MailboxConcurrency;
  client(getToken: GetToken): GraphClient;
}

const ERROR_BODY_BYTES = 64 * 1024;

const headersFor = (request: GraphRequest, token: string | null): Record<string, string> => {
  const headers: Record<string, string> = {
    ...request.headers,
    'client-request-id': randomUUID(),
    // graph-mail-spec.md §3: applies per request, so it is sent on every one; ids survive folder moves.
    prefer: ['IdType="ImmutableId"', ...(request.prefer ?? [])].join(', '),
  };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (request.read === 'json') headers.accept = 'application/json';
  if (request.json !== undefined) headers['content-type'] = 'application/json';
  if (request.body) headers['content-type'] = request.body.contentType;
  return headers;
};

const bodyOf = (request: GraphRequest): string | Uint8Array | undefined =>
  request.json !== undefined ? JSON.stringify(request.json) : request.body?.data;

/** Outcome of one attempt: the answer, or the error with whether a retry may help. */
type Attempt = { ok: true; answer: GraphAnswer } | { ok: false; error: GraphError };

export const createGraphClientFactory = (options: GraphClientOptions): GraphClientFactory => {
  const concurrency = options.concurrency ?? createMailboxConcurrency(4);
  const maxJsonBytes = options.maxJsonBytes ?? 16 * 1024 * 1024;
  const maxRetries = options.maxRetries ?? 3;
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 60_000;

  const readAnswer = async (request: GraphRequest, response: Response): Promise<GraphAnswer> => {
    const base = { status: response.status, headers: response.headers };
    if (request.read === 'none') {
      await response.body?.cancel();
      return { ...base, json: undefined, bytes: null };
    }
    const limit = request.read === 'json' ? maxJsonBytes : request.read.maxBytes;
    const bytes = await readBounded(response, limit);
    if (bytes === null) throw new GraphError('graph.too_large', { status: response.status }, request.context);
    if (request.read !== 'json') return { ...base, json: undefined, bytes };
    try {
      return { ...base, json: bytes.length === 0 ? null : JSON.parse(bytes.toString('utf8')), bytes: null };
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      throw new GraphError('graph.protocol', { status: response.status }, request.context, { cause: error });
    }
  };

  const attempt = async (request: GraphRequest, getToken: GetToken, fresh: boolean): Promise<Attempt> => {
    const url = resolveGraphUrl(options.baseUrl, request);
    // The token source's own failures (reconnect required, …) reach the caller as they are.
    const token = request.anonymous ? null : await getToken(fresh ? { forceRefresh: true } : undefined);
    const release = await concurrency.acquire(request.signal).catch((error: unknown) => {
      throw graphErrorFromThrown(error, request.context, { callerAborted: true });
    });
    const timeout = AbortSignal.timeout(request.timeoutMs ?? options.timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    try {
      const body = bodyOf(request);
      const response = await options.fetch(url, {
        method: request.method,
        headers: headersFor(request, token),
        ...(body === undefined ? {} : { body }),
        signal,
      });
      if (response.ok) return { ok: true, answer: await readAnswer(request, response) };
      const text = (await readBounded(response, ERROR_BODY_BYTES))?.toString('utf8') ?? '';
      const answer = {
        status: response.status,
        body: text,
        requestIdHeader: response.headers.get('request-id'),
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), Date.now()),
      };
      return { ok: false, error: graphErrorFromAnswer(answer, request.context) };
    } catch (error) {
      const callerAborted = request.signal?.aborted === true;
      return { ok: false, error: graphErrorFromThrown(error, request.context, { callerAborted }) };
    } finally {
      release();
    }
  };

  /** 429 and 503 mean the request was not carried out, so even a POST may be sent again (§6, §7). */
  const waitBeforeRetry = (error: GraphError, retries: number): number | null => {
    if (retries >= maxRetries || (error.status !== 429 && error.status !== 503)) return null;
    const wait = error.retryAfterMs ?? Math.min(1000 * 2 ** retries, maxRetryWaitMs);
    return wait <= maxRetryWaitMs ? wait : null;
  };

  const request = async (getToken: GetToken, req: GraphRequest): Promise<GraphAnswer> => {
    let refreshed = false;
    let retries = 0;
    let fresh = false;
    for (;;) {
      const result = await attempt(req, getToken, fresh);
      fresh = false;
      if (result.ok) return result.answer;
      const { error } = result;
      // §6: 401 InvalidAuthenticationToken: the token expired or was revoked; one fresh token, then the user.
      if (error.code === 'graph.invalid_token' && !refreshed && !req.anonymous) {
        refreshed = true;
        fresh = true;
        continue;
      }
      const wait = waitBeforeRetry(error, retries);
      if (wait === null) throw error;
      retries += 1;
      options.logger?.warn(
        { graphCode: error.graphCode, status: error.status, requestId: error.requestId, waitMs: wait },
        'Microsoft Graph asked Mailroom to wait; retrying',
      );
      await sleep(wait, undefined, req.signal ? { signal: req.signal } : {}).catch((thrown: unknown) => {
        throw graphErrorFromThrown(thrown, req.context, { callerAborted: true });
      });
    }
  };

  return {
    concurrency,
    client: (getToken) => ({ request: (req) => request(getToken, req) }),
  };
};

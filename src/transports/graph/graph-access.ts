import { getAccessToken } from '../../mailboxes/access-token.ts';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import { loadMicrosoftSettings } from '../../microsoft/settings.ts';
import { MailTransportError } from '../transport-error.ts';
import type { TransportDeps } from '../types.ts';
import { createMailboxConcurrency, type MailboxConcurrency } from './concurrency.ts';
import { graphBaseUrl } from './graph-base-url.ts';
import { createGraphClientFactory, type GetToken, type GraphClient } from './graph-client.ts';
import { createGraphFetch, type GraphFetch } from './graph-fetch.ts';

/** One request's whole time, body included; an upload range of 4 MB fits well within it. */
const REQUEST_TIMEOUT_MS = 60_000;
const CONNECT_TIMEOUT_MS = 10_000;

/** What one process shares across its mailboxes: the app's 4 requests in flight (§7) and its TLS agent. */
interface Shared {
  readonly concurrency: MailboxConcurrency;
  readonly fetch: GraphFetch;
}

// Keyed by the process' database handle: one entry per running Mailroom (tests run several in a process).
const sharedByProcess = new WeakMap<object, Shared>();

const sharedOf = (deps: TransportDeps): Shared => {
  const known = sharedByProcess.get(deps.db);
  if (known) return known;
  const shared: Shared = {
    concurrency: createMailboxConcurrency(4),
    fetch: createGraphFetch({
      extraCaPem: deps.extraCa ? deps.extraCa.join('\n') : null,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    }),
  };
  sharedByProcess.set(deps.db, shared);
  return shared;
};

export interface MailboxGraph {
  readonly client: GraphClient;
  /** `me`, or a system mailbox's address (`/users/{address}`, reached with its delegate's token). */
  readonly mailbox: string;
  readonly host: string;
  readonly getToken: GetToken;
}

/**
 * A Graph client for the mailbox with its Graph token (the resource token source: getAccessToken with
 * `resource: 'graph'`, from the mailbox's one refresh token); Graph's host from the Microsoft settings.
 */
export const mailboxGraph = async (deps: TransportDeps, mailbox: Mailbox): Promise<MailboxGraph> => {
  const settings = await loadMicrosoftSettings(deps.db);
  const baseUrl = graphBaseUrl(settings.cloud, settings.customAuthorityUrl);
  if (!baseUrl) {
    throw new MailTransportError(
      {
        code: 'graph.not_configured',
        transport: 'graph',
        whoMustAct: 'administrator',
        userMessage:
          'Microsoft Graph’s address is unknown: the custom authority is not set on the Microsoft 365 settings page.',
        retryAfterMs: null,
      },
      'graph.not_configured',
      { cause: null },
    );
  }
  const shared = sharedOf(deps);
  const factory = createGraphClientFactory({
    baseUrl,
    fetch: shared.fetch,
    timeoutMs: REQUEST_TIMEOUT_MS,
    concurrency: shared.concurrency,
    logger: deps.log,
  });
  const getToken: GetToken = (options) =>
    // A refused Graph token leaves the mailbox's state alone: it still reads over IMAP (and may send over SMTP).
    getAccessToken(deps, mailbox.id, {
      resource: 'graph',
      force: options?.forceRefresh === true,
      recordFailure: false,
    });
  return {
    client: factory.client(getToken),
    mailbox: mailbox.kind === 'system' ? mailbox.address : 'me',
    host: new URL(baseUrl).host,
    getToken,
  };
};

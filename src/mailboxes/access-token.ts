import type { AppDeps } from '../http/context.ts';
import { claimLease } from '../jobs/lease.ts';
import type { MailServers } from '../mail-servers.ts';
import { readClientCredential } from '../microsoft/credentials/credential-store.ts';
import { IdentityError } from '../microsoft/identity-error.ts';
import { graphMailScopesFor, MAILBOX_SCOPES } from '../microsoft/redirect-uris.ts';
import { authorityOf, loadMicrosoftSettings, type MicrosoftSettings } from '../microsoft/settings.ts';
import { requestToken } from '../microsoft/token-client.ts';
import { originOf, tokenOriginOf } from '../microsoft/token-origin.ts';
import { appAccessToken } from './app-access/mailbox-token.ts';
import { setMailboxState } from './repository.ts';
import { classifyTokenFailure } from './token-failure.ts';
import {
  AUTHORITY_CHANGED_MESSAGE,
  dropTokensOfOtherOrigins,
  forgetResourceToken,
  type MailResource,
  readTokens,
  type StoredTokens,
  writeTokens,
} from './token-store.ts';

/** Refresh this long before `expires_in` runs out (ms-identity-spec.md §15: ~5 minutes). */
const REFRESH_MARGIN_MS = 5 * 60_000;
const LEASE_MS = 30_000;
const POLL_MS = 50;

export class MailboxTokenError extends Error {
  constructor(
    readonly code:
      | 'mailbox.not_connected'
      | 'mailbox.origin_changed'
      | 'mailbox.token_refresh_failed'
      | 'mailbox.refresh_busy'
      | 'mailbox.retry_later',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MailboxTokenError';
  }
}

type Deps = Pick<AppDeps, 'db' | 'secrets' | 'fetch' | 'microsoft' | 'log'>;

/** A system mailbox with application access has no tokens of its own: the application's serve it (issue 14). */
const hasApplicationAccess = async (deps: Deps, mailboxId: string): Promise<boolean> => {
  const row = await deps.db
    .selectFrom('mailboxes')
    .select('access_mode')
    .where('id', '=', mailboxId)
    .executeTakeFirst();
  return row?.access_mode === 'application';
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What the refresh token is redeemed for, per resource (one resource per token request, AADSTS28000): a
 * system mailbox's Graph token also carries the `.Shared` permissions its delegate needs.
 */
const scopesFor = async (deps: Deps, mailboxId: string, resource: MailResource) => {
  if (resource === 'outlook') return MAILBOX_SCOPES;
  const row = await deps.db
    .selectFrom('mailboxes')
    .select('kind')
    .where('id', '=', mailboxId)
    .executeTakeFirst();
  return graphMailScopesFor(row?.kind ?? 'user');
};

/** Redeems the refresh token for a new access token for `resource` and the rotated refresh token. */
const refresh = async (
  deps: Deps,
  settings: MicrosoftSettings,
  mailboxId: string,
  current: StoredTokens,
  resource: MailResource,
): Promise<string> => {
  const authority = authorityOf(settings);
  const origin = tokenOriginOf(settings);
  const credential = authority ? await readClientCredential(deps.db, deps.secrets, authority) : null;
  if (!authority || !origin || !settings.clientId || !settings.tenant || !credential) {
    throw new IdentityError('microsoft.not_configured', 'the Microsoft 365 settings are incomplete');
  }
  const metadata = await deps.microsoft.metadata(authority, settings.tenant);
  const tokens = await requestToken(
    deps.fetch,
    metadata.token_endpoint,
    { clientId: settings.clientId, credential },
    {
      grant_type: 'refresh_token',
      refresh_token: current.refreshToken,
      scope: (await scopesFor(deps, mailboxId, resource)).join(' '),
    },
  );
  if (!tokens.refresh_token)
    throw new IdentityError('microsoft.token_response_invalid', 'the refresh answer has no refresh token');
  await writeTokens(
    deps.db,
    deps.secrets,
    mailboxId,
    {
      accessToken: tokens.access_token,
      expiresInSeconds: tokens.expires_in,
      refreshToken: tokens.refresh_token,
      origin,
    },
    current.version,
    resource,
  );
  await setMailboxState(deps.db, mailboxId, { state: 'connected', code: null, message: null });
  return tokens.access_token;
};

/**
 * Tokens go only to the authority and mail hosts they were issued for. Tokens of another origin than the
 * settings' (the settings moved, or the row was changed behind validation's back) are dropped, and the
 * mailbox asks to reconnect. `servers` are the hosts the caller is about to send the token to.
 */
const checkOrigin = async (
  deps: Deps,
  settings: MicrosoftSettings,
  mailboxId: string,
  tokens: StoredTokens,
  servers: MailServers | undefined,
): Promise<void> => {
  const origin = tokenOriginOf(settings);
  if (tokens.origin === null || tokens.origin !== origin) {
    await dropTokensOfOtherOrigins(deps.db, origin, mailboxId);
    deps.log.warn(
      { event: 'mailbox.tokens_dropped', mailboxId, reason: 'origin_changed' },
      'tokens of another authority or mail host dropped',
    );
    throw new MailboxTokenError('mailbox.origin_changed', AUTHORITY_CHANGED_MESSAGE);
  }
  const authority = authorityOf(settings);
  if (servers && (!authority || originOf(authority, servers) !== origin)) {
    // The settings changed between the caller's look-up and ours: its hosts are not the tokens' hosts.
    throw new MailboxTokenError('mailbox.retry_later', 'the Microsoft 365 settings changed meanwhile');
  }
};

/**
 * A usable access token for the mailbox and `resource` (Outlook's by default: IMAP and SMTP), for use
 * with `servers` (its IMAP and SMTP hosts). Each resource's token is stored and refreshed on its own,
 * all from the mailbox's one refresh token (a refresh for one rotates it for all). Refreshes
 * shortly before expiry, or when `force` (once after an authentication failure). One refresh at a time
 * per mailbox across all processes, under the lease `refresh:<mailboxId>` (jobs/lease.ts); a process that loses the race
 * waits and uses the winner's token. Failures are stored on the mailbox, sorted by who must act, and
 * thrown. Tokens of another authority or mail host than the settings' are never used (`checkOrigin`).
 */
export const getAccessToken = async (
  deps: Deps,
  mailboxId: string,
  options: {
    force?: boolean;
    servers?: MailServers;
    resource?: MailResource;
    /**
     * Whether a refused refresh is stored on the mailbox (default true). False for a resource the
     * mailbox can do without (Graph while it reads over IMAP): the caller says who must act instead,
     * and the mailbox keeps its state; a wait Microsoft asked for is thrown as `mailbox.retry_later`.
     */
    recordFailure?: boolean;
  } = {},
): Promise<string> => {
  const resource = options.resource ?? 'outlook';
  if (await hasApplicationAccess(deps, mailboxId)) {
    const app = await appAccessToken(deps, mailboxId, resource, options);
    if (app.ok) return app.accessToken;
    throw new MailboxTokenError(
      app.failure.retry ? 'mailbox.retry_later' : 'mailbox.token_refresh_failed',
      app.failure.message,
    );
  }
  const before = await readTokens(deps.db, deps.secrets, mailboxId, resource);
  if (!before) throw new MailboxTokenError('mailbox.not_connected', 'the mailbox is not connected');
  const settings = await loadMicrosoftSettings(deps.db);
  await checkOrigin(deps, settings, mailboxId, before, options.servers);
  const fresh = (t: typeof before) =>
    t.accessToken !== null && (t.accessTokenExpiresAt ?? 0) - Date.now() > REFRESH_MARGIN_MS;
  if (!options.force && fresh(before)) return before.accessToken!;
  // Microsoft asked us to wait (Retry-After): until then, no request goes out.
  const waiting = await deps.db
    .selectFrom('mailboxes')
    .select(['state', 'next_attempt_at', 'state_message'])
    .where('id', '=', mailboxId)
    .executeTakeFirst();
  if (
    waiting?.state === 'retrying' &&
    waiting.next_attempt_at &&
    waiting.next_attempt_at > new Date().toISOString()
  ) {
    throw new MailboxTokenError(
      'mailbox.retry_later',
      waiting.state_message ?? `Microsoft asked Mailroom to wait until ${waiting.next_attempt_at}.`,
    );
  }

  const startedAt = new Date().toISOString();
  const deadline = Date.now() + LEASE_MS + 5_000;
  while (Date.now() < deadline) {
    const lease = await claimLease(deps, `refresh:${mailboxId}`, { ttlMs: LEASE_MS });
    if (lease) {
      try {
        const current = await readTokens(deps.db, deps.secrets, mailboxId, resource);
        if (!current) throw new MailboxTokenError('mailbox.not_connected', 'the mailbox was disconnected');
        await checkOrigin(deps, settings, mailboxId, current, options.servers);
        // Someone refreshed this resource between our first read and the lease: their token is ours too
        // (compared by token, not version: a refresh for another resource bumps the version as well).
        if (current.accessToken !== before.accessToken && fresh(current)) return current.accessToken!;
        return await refresh(deps, settings, mailboxId, current, resource);
      } catch (error) {
        if (error instanceof IdentityError) {
          const change = classifyTokenFailure(error);
          if (options.recordFailure === false) {
            const code = change.state === 'retrying' ? 'mailbox.retry_later' : 'mailbox.token_refresh_failed';
            // Refused for good (consent revoked, say): the old access token is no proof of access any more,
            // so the mailbox page offers "Allow Mailroom to use Microsoft Graph" again.
            if (code === 'mailbox.token_refresh_failed' && resource !== 'outlook')
              await forgetResourceToken(deps.db, mailboxId, resource);
            throw new MailboxTokenError(code, change.message ?? 'token refresh failed', { cause: error });
          }
          await setMailboxState(deps.db, mailboxId, change);
          deps.log.warn(
            { event: 'mailbox.refresh_failed', mailboxId, state: change.state, stateCode: change.code },
            'token refresh failed',
          );
          throw new MailboxTokenError(
            'mailbox.token_refresh_failed',
            change.message ?? 'token refresh failed',
            { cause: error },
          );
        }
        throw error;
      } finally {
        await lease.release();
      }
    }
    await sleep(POLL_MS);
    const now = await readTokens(deps.db, deps.secrets, mailboxId, resource);
    if (now && now.accessToken !== before.accessToken && fresh(now)) return now.accessToken!;
    // The winner's refresh failed meanwhile: its verdict is ours, no second token request.
    const row = await deps.db
      .selectFrom('mailboxes')
      .select(['state', 'state_message', 'state_at'])
      .where('id', '=', mailboxId)
      .executeTakeFirst();
    if (
      row &&
      row.state !== 'connected' &&
      row.state !== 'not_connected' &&
      (row.state_at ?? '') >= startedAt
    ) {
      throw new MailboxTokenError(
        'mailbox.token_refresh_failed',
        row.state_message ?? 'token refresh failed',
      );
    }
  }
  throw new MailboxTokenError('mailbox.refresh_busy', 'another process held the refresh lease for too long');
};

import type { AppDeps } from '../../http/context.ts';
import { IdentityError } from '../../microsoft/identity-error.ts';
import { setMailboxState } from '../repository.ts';
import { classifyTokenFailure } from '../token-failure.ts';
import type { MailResource } from '../token-store.ts';
import { AppTokenError, getAppToken } from './app-token.ts';
import { consentProblem } from './consent.ts';

/** The problems of the token itself, stored below: over once a usable token came. */
const TOKEN_CODES: ReadonlySet<string> = new Set([
  'app_access.consent_missing',
  'app_access.tenant_required',
  'app_access.not_configured',
  'app_access.busy',
]);

/** A problem this file stored (consent, tenant) is over once a usable token came. */
const clearTokenProblem = async (deps: Pick<AppDeps, 'db'>, mailboxId: string) => {
  const row = await deps.db
    .selectFrom('mailboxes')
    .select(['state', 'state_code'])
    .where('id', '=', mailboxId)
    .executeTakeFirst();
  if (row && row.state !== 'connected' && TOKEN_CODES.has(row.state_code ?? ''))
    await setMailboxState(deps.db, mailboxId, { state: 'connected', code: null, message: null });
};

export type AppAccessTokenFailure = {
  readonly code: string;
  readonly message: string;
  readonly retry: boolean;
};

/**
 * The access token of a mailbox with application access: the tenant's shared application token, checked for
 * the roles `resource` needs. What fails is stored on the mailbox (who must act, and what to do) and
 * returned for the caller to throw as its own error.
 */
export const appAccessToken = async (
  deps: Pick<AppDeps, 'db' | 'secrets' | 'fetch' | 'microsoft' | 'log'>,
  mailboxId: string,
  resource: MailResource,
  options: { force?: boolean; recordFailure?: boolean },
): Promise<{ ok: true; accessToken: string } | { ok: false; failure: AppAccessTokenFailure }> => {
  const record = async (change: Parameters<typeof setMailboxState>[2]) => {
    if (options.recordFailure !== false) await setMailboxState(deps.db, mailboxId, change);
    deps.log.warn(
      { event: 'mailbox.app_token_failed', mailboxId, resource, stateCode: change.code },
      'application token unusable',
    );
    return {
      ok: false as const,
      failure: {
        code: change.code ?? 'app_access.failed',
        message: change.message ?? '',
        retry: change.state === 'retrying',
      },
    };
  };
  try {
    const token = await getAppToken(deps, resource, { force: options.force ?? false });
    const problem = consentProblem(resource, token.roles);
    if (problem)
      return record({ state: 'admin_action_required', code: 'app_access.consent_missing', message: problem });
    await clearTokenProblem(deps, mailboxId);
    return { ok: true, accessToken: token.accessToken };
  } catch (error) {
    if (error instanceof AppTokenError)
      return record({ state: 'admin_action_required', code: error.code, message: error.message });
    if (error instanceof IdentityError) return record(classifyTokenFailure(error));
    throw error;
  }
};

import type { Context } from 'hono';
import { now } from '../../state/directory.ts';
import { opaqueToken } from '../../state/ids.ts';
import type { AuthCode, User } from '../../state/model.ts';
import type { IdentityDeps } from '../deps.ts';
import type { BrowserSession } from '../session/session-store.ts';
import { type AuthorizeFlow, targetOf } from '../signin/flow-store.ts';
import { deliver } from './respond.ts';

/**
 * The end of a successful /authorize: a single-use code (≈10 minutes, §5.2) recorded in `dir.authCodes`,
 * delivered as `code`, `state`, `session_state`.
 */
export const issueCode = (
  deps: IdentityDeps,
  c: Context,
  flow: AuthorizeFlow,
  user: User,
  session: BrowserSession,
) => {
  const { dir } = deps.ctx;
  const record: AuthCode = {
    code: opaqueToken('0.A', 96),
    appId: flow.app.appId,
    tenantId: user.tenantId,
    tenantSegment: flow.path.segment,
    userOid: user.oid,
    redirectUri: flow.redirectUri,
    scopes: flow.scopes,
    nonce: flow.nonce,
    codeChallenge: flow.codeChallenge,
    codeChallengeMethod: flow.codeChallengeMethod,
    issuedAt: now(dir),
    authTime: session.authTime,
    mfaDone: session.mfaAt !== null,
    redeemed: false,
  };
  dir.authCodes.set(record.code, record);
  deps.flows.finish(flow.id);
  return deliver(c, targetOf(flow), [['code', record.code]], [['session_state', session.sessionState]]);
};

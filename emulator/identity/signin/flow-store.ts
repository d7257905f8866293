import { randomBytes } from 'node:crypto';
import type { App } from '../../state/model.ts';
import type { TenantPath } from '../tenant-segment.ts';

export type Prompt = 'login' | 'none' | 'consent' | 'select_account';
export type ResponseMode = 'query' | 'fragment' | 'form_post';

/** Where a flow stands; each form POST is accepted only in its stage. */
export type FlowStage = 'signin' | 'mfa' | 'consent';

interface FlowBase {
  readonly id: string;
  readonly createdAt: number;
  readonly path: TenantPath;
  readonly app: App;
  readonly redirectUri: string;
  readonly responseMode: ResponseMode;
  readonly state: string | null;
  readonly scopes: readonly string[];
  readonly loginHint: string | null;
  stage: FlowStage;
  /** Set once the user has signed in within this flow or was taken from the session. */
  userOid: string | null;
}

/** An `/authorize` request being served (ms-identity-spec.md §5.1), kept server-side: forms carry only its id. */
export interface AuthorizeFlow extends FlowBase {
  readonly kind: 'authorize';
  readonly nonce: string | null;
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: 'S256' | 'plain' | null;
  readonly prompt: Prompt | null;
  readonly domainHint: string | null;
}

/** A v2 `/adminconsent` request (ms-identity-spec.md §10.1). */
export interface AdminConsentFlow extends FlowBase {
  readonly kind: 'admin_consent';
}

export type Flow = AuthorizeFlow | AdminConsentFlow;

export type NewFlow =
  | Omit<AuthorizeFlow, 'id' | 'stage' | 'userOid'>
  | Omit<AdminConsentFlow, 'id' | 'stage' | 'userOid'>;

export interface FlowStore {
  start(flow: NewFlow): Flow;
  get(id: string | undefined, nowMs: number): Flow | undefined;
  finish(id: string): void;
}

/** Flows left unfinished for an hour are forgotten. */
const FLOW_TTL_MS = 3600_000;

export const createFlowStore = (): FlowStore => {
  const flows = new Map<string, Flow>();
  return {
    start(input) {
      const flow = {
        ...input,
        id: randomBytes(24).toString('base64url'),
        stage: 'signin',
        userOid: null,
      } as Flow;
      flows.set(flow.id, flow);
      return flow;
    },
    get(id, nowMs) {
      const flow = id ? flows.get(id) : undefined;
      if (!flow) return undefined;
      if (nowMs - flow.createdAt > FLOW_TTL_MS) {
        flows.delete(flow.id);
        return undefined;
      }
      return flow;
    },
    finish: (id) => void flows.delete(id),
  };
};

/** Where a flow's responses and errors go. */
export const targetOf = (flow: Flow) => ({
  redirectUri: flow.redirectUri,
  responseMode: flow.responseMode,
  state: flow.state,
  leading: flow.kind === 'admin_consent' ? ([['admin_consent', 'True']] as const) : [],
});

import type { Session } from '../http/session.ts';

/** A Microsoft sign-in in progress, kept server side and bound to the browser's session. */
export interface SignInFlow {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly next: string;
  readonly startedAt: number;
}

const KEY = 'microsoftSignIn';
export const FLOW_LIFETIME_MS = 10 * 60_000;
const MAX_OPEN = 5;

const flowsOf = (session: Session): SignInFlow[] =>
  (session.data.flows?.[KEY] as SignInFlow[] | undefined) ?? [];

/** Remembers a new flow; a few may be open at once (several tabs), expired ones are dropped. */
export const rememberFlow = (session: Session, flow: SignInFlow): void => {
  const open = flowsOf(session).filter((f) => Date.now() - f.startedAt < FLOW_LIFETIME_MS);
  session.data.flows = { ...session.data.flows, [KEY]: [...open, flow].slice(-MAX_OPEN) };
};

/** Takes the flow `state` names out of the session: `state` is single use, and expires. */
export const takeFlow = (session: Session | null, state: string): SignInFlow | null => {
  if (!session) return null;
  const flows = flowsOf(session);
  const flow = flows.find((f) => f.state === state) ?? null;
  session.data.flows = { ...session.data.flows, [KEY]: flows.filter((f) => f !== flow) };
  if (!flow || Date.now() - flow.startedAt >= FLOW_LIFETIME_MS) return null;
  return flow;
};

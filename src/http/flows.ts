import type { Session } from './session.ts';

/**
 * Authorization requests in progress (Microsoft sign-in, mailbox connection), kept server side in the
 * browser's session under a key per kind. `state` is single use and expires after ten minutes.
 */
export interface Flow {
  readonly state: string;
  readonly startedAt: number;
}

export const FLOW_LIFETIME_MS = 10 * 60_000;
const MAX_OPEN = 5;

const flowsOf = <F extends Flow>(session: Session, key: string): F[] =>
  (session.data.flows?.[key] as F[] | undefined) ?? [];

/** Remembers a new flow; a few may be open at once (several tabs), expired ones are dropped. */
export const rememberFlow = <F extends Flow>(session: Session, key: string, flow: F): void => {
  const open = flowsOf<F>(session, key).filter((f) => Date.now() - f.startedAt < FLOW_LIFETIME_MS);
  session.data.flows = { ...session.data.flows, [key]: [...open, flow].slice(-MAX_OPEN) };
};

/** Takes the flow `state` names out of the session; `null` when unknown, used already, or expired. */
export const takeFlow = <F extends Flow>(session: Session | null, key: string, state: string): F | null => {
  if (!session) return null;
  const flows = flowsOf<F>(session, key);
  const flow = flows.find((f) => f.state === state) ?? null;
  session.data.flows = { ...session.data.flows, [key]: flows.filter((f) => f !== flow) };
  if (!flow || Date.now() - flow.startedAt >= FLOW_LIFETIME_MS) return null;
  return flow;
};

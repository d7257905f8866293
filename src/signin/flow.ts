import { type Flow, rememberFlow as remember, takeFlow as take } from '../http/flows.ts';
import type { Session } from '../http/session.ts';

/** A Microsoft sign-in in progress, kept server side and bound to the browser's session. */
export interface SignInFlow extends Flow {
  readonly nonce: string;
  readonly verifier: string;
  readonly next: string;
}

const KEY = 'microsoftSignIn';

export const rememberFlow = (session: Session, flow: SignInFlow): void => remember(session, KEY, flow);
export const takeFlow = (session: Session | null, state: string): SignInFlow | null =>
  take<SignInFlow>(session, KEY, state);

import type { EmulatorContext } from '../context.ts';
import type { SessionStore } from './session/session-store.ts';
import type { FlowStore } from './signin/flow-store.ts';

/** What the identity endpoints share: the emulator context, browser sessions and in-progress sign-in flows. */
export interface IdentityDeps {
  readonly ctx: EmulatorContext;
  readonly sessions: SessionStore;
  readonly flows: FlowStore;
}

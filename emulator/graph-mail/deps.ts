import type { EmulatorContext } from '../context.ts';
import type { RunningMail } from '../mail/start-mail.ts';
import type { GraphMailState } from './state.ts';
import type { MailStore } from './store.ts';

/** What every Graph mail handler is handed. */
export interface GraphMailDeps {
  readonly ctx: EmulatorContext;
  readonly state: GraphMailState;
  readonly store: MailStore;
  readonly mail: RunningMail;
}

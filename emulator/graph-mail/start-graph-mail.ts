import type { Hono } from 'hono';
import type { EmulatorContext } from '../context.ts';
import type { RunningMail } from '../mail/start-mail.ts';
import { graphMailControlRoutes } from './control-routes.ts';
import { addGraphMailRoutes } from './routes.ts';
import { createGraphMailState, type GraphMailState } from './state.ts';
import { createMailStore } from './store.ts';

export interface RunningGraphMail {
  readonly state: GraphMailState;
  stop(): Promise<void>;
}

/** Graph mail over the running Dovecot: its routes on `app`, its control routes under `/_emulator/graph`. */
export const startGraphMail = (ctx: EmulatorContext, mail: RunningMail, app: Hono): RunningGraphMail => {
  const state = createGraphMailState();
  const store = createMailStore(mail.backend);
  app.route('/_emulator/graph', graphMailControlRoutes(ctx, state));
  addGraphMailRoutes(app, { ctx, state, store, mail });
  return { state, stop: () => store.close() };
};

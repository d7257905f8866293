// bench/emulator-child.ts: the emulator in a process of its own, so that what a benchmark measures of
// Mailroom is Mailroom's CPU alone. Forked by bench/emulator-process.ts; answers over IPC.
import { DEFAULT_DEMO_REDIRECT_URIS, startEmulator } from '../emulator/start.ts';
import { DEMO } from '../emulator/state/demo-seed.ts';
import { outlookToken } from '../test/support/mail-token.ts';

export type ChildRequest = { id: number; op: 'token'; upn: string } | { id: number; op: 'stop' };

const redirectUris = JSON.parse(process.env.BENCH_REDIRECT_URIS ?? '[]') as string[];
// The tests' own redirect URIs too: a benchmark may consent as a user would (test/support/oauth-flow.ts).
const emu = await startEmulator({ demoRedirectUris: [...redirectUris, ...DEFAULT_DEMO_REDIRECT_URIS] });
process.send?.({
  ready: {
    httpUrl: emu.httpUrl,
    httpsUrl: emu.httpsUrl,
    caPem: emu.tls.caPem,
    caPath: emu.tls.caPath,
    imapTlsPort: emu.mail!.imap.tlsPort,
    imapPort: emu.mail!.imap.port,
    smtpPort: emu.mail!.smtp.port,
    appSecret: emu.demo!.appSecret,
    appId: DEMO.appId,
  },
});
process.on('message', async (request: ChildRequest) => {
  if (request.op === 'token') process.send?.({ id: request.id, token: await outlookToken(emu, request.upn) });
  else {
    await emu.stop();
    process.send?.({ id: request.id, stopped: true });
    process.exit(0);
  }
});

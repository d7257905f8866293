import type { RunningEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import type { TestApp } from './app.ts';
import { Browser, completeSignIn, type Page } from './http-client.ts';
import { fetchWith, trustingAgent } from './tls-fetch.ts';

export const DEMO_PASSWORDS: Record<string, string> = {
  [`adele@${DEMO.domain}`]: 'Adele-demo-1',
  [`megan@${DEMO.domain}`]: 'Megan-demo-1',
  [`alex@${DEMO.otherDomain}`]: 'Alex-demo-1',
  [DEMO.unverifiedMailUser.upn]: 'Lynne-demo-1',
  [DEMO.forgedMailUser.upn]: 'Mallory-demo-1',
};

/** A scripted browser that trusts the emulator's CA (it visits Mailroom and the emulator alike). */
export const msBrowser = (emu: RunningEmulator): Browser =>
  new Browser(fetchWith(trustingAgent(emu.tls.caPem)) as typeof fetch);

/** Registers Mailroom's Redirect URIs on the demo app, as an administrator does in Azure. */
export const registerRedirectUris = (emu: RunningEmulator, app: TestApp): void => {
  const demo = emu.ctx.dir.apps.get(DEMO.appId)!;
  for (const path of ['/auth/microsoft/callback', '/mailboxes/connect/microsoft/callback']) {
    const uri = `${app.url}${path}`;
    if (!demo.redirectUris.some((r) => r.uri === uri)) demo.redirectUris.push({ uri, type: 'web' });
  }
};

/**
 * Walks "Sign in with Microsoft 365" end to end: Mailroom's start, the emulator's sign-in and consent
 * pages, and Mailroom's callback. Returns the callback's answer (a redirect on success, a refusal page).
 */
export const signInWithMicrosoft = async (
  browser: Browser,
  app: TestApp,
  login: string,
  options: {
    consent?: 'Accept' | 'Cancel';
    beforeCallback?: (callbackUrl: URL) => Promise<void>;
    /** For a user the test made itself (the demo users' passwords are known). */
    password?: string;
  } = {},
): Promise<Page> => {
  const start = await browser.get(`${app.url}/auth/microsoft`);
  if (!start.location) return start;
  const atMicrosoft = await completeSignIn(
    browser,
    await browser.get(start.location),
    { login, password: options.password ?? DEMO_PASSWORDS[login] ?? '' },
    options.consent ? { consent: options.consent } : {},
  );
  if (!atMicrosoft.location?.startsWith(app.url))
    throw new Error(
      `Microsoft did not return to Mailroom: ${atMicrosoft.status} ${atMicrosoft.html.slice(0, 400)}`,
    );
  await options.beforeCallback?.(new URL(atMicrosoft.location));
  return browser.get(atMicrosoft.location);
};

/** The refusal code a refusal page carries. */
export const refusalCode = (page: Page): string | null => /data-code="([^"]+)"/.exec(page.html)?.[1] ?? null;

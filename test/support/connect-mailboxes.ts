// Connects many people's mailboxes to a running Mailroom (in this process or another) through the real
// OAuth flows, scripted over HTTP as a browser without JavaScript would walk them: "Sign in with Microsoft
// 365" (Mailroom provisions the user), then "Connect my mailbox" (a second authorization for Outlook's
// IMAP and SMTP scopes), each through the emulator's sign-in, account-picker and consent pages, with
// cookies, and Mailroom's callbacks. Nothing is minted or written to Mailroom's database directly.
import { Browser, completeSignIn, type Page, parseForms } from './http-client.ts';
import { fetchWith, trustingAgent } from './tls-fetch.ts';

export interface MailboxOwner {
  readonly upn: string;
  readonly password: string;
}

export interface ConnectedMailbox {
  readonly upn: string;
  readonly mailboxId: string;
  /** Signed in to Mailroom (session cookie) and to the emulator, for API calls as this person. */
  readonly browser: Browser;
}

export class ConnectError extends Error {
  constructor(
    readonly upn: string,
    readonly step: 'signin' | 'connect',
    page: Page,
  ) {
    super(
      `${step} of ${upn} stopped at ${page.status} ${page.url} → ${page.location ?? page.html.slice(0, 300)}`,
    );
    this.name = 'ConnectError';
  }
}

export interface ConnectOptions {
  /** Mailroom's base URL, e.g. `http://127.0.0.1:3000`. */
  readonly mailroomUrl: string;
  /** The emulator's CA (its HTTPS pages), from `caCertPath`. */
  readonly caPem: string;
  /** People connecting at the same time (default 4). */
  readonly concurrency?: number;
  /** Called after each mailbox is connected, with how many are done. */
  readonly onProgress?: (done: number) => void;
}

/** `prompt=select_account` with a Microsoft session shows the account picker: pick the signed-in account. */
const pickAccount = async (browser: Browser, page: Page): Promise<Page> => {
  const form = parseForms(page.html, page.url)[0];
  const account =
    form && Object.values(form.buttons).find((b) => b.name === 'account' && b.value !== 'other');
  if (page.status !== 200 || !account || 'passwd' in (form?.fields ?? {})) return page;
  return browser.submit(page, { fields: { account: account.value } });
};

/** One round trip through the emulator: Mailroom's start → sign-in pages → Mailroom's callback. */
const authorizeThrough = async (
  browser: Browser,
  owner: MailboxOwner,
  startUrl: string,
  callbackPrefix: string,
  step: ConnectError['step'],
): Promise<Page> => {
  const start = await browser.get(startUrl);
  if (!start.location) throw new ConnectError(owner.upn, step, start);
  const atMicrosoft = await pickAccount(browser, await browser.get(start.location));
  const back = await completeSignIn(browser, atMicrosoft, { login: owner.upn, password: owner.password });
  if (!back.location?.startsWith(callbackPrefix)) throw new ConnectError(owner.upn, step, back);
  const done = await browser.get(back.location);
  if (done.status !== 302 || !done.location) throw new ConnectError(owner.upn, step, done);
  return done;
};

/** Signs `owner` in to Mailroom with Microsoft and connects their own mailbox; returns its id. */
export const connectOne = async (
  browser: Browser,
  mailroomUrl: string,
  owner: MailboxOwner,
): Promise<ConnectedMailbox> => {
  await authorizeThrough(
    browser,
    owner,
    `${mailroomUrl}/auth/microsoft`,
    `${mailroomUrl}/auth/microsoft/callback`,
    'signin',
  );
  const connected = await authorizeThrough(
    browser,
    owner,
    `${mailroomUrl}/mailboxes/connect/microsoft`,
    `${mailroomUrl}/mailboxes/connect/microsoft/callback`,
    'connect',
  );
  const mailboxId = /\/mailboxes\/([0-9a-f-]{36})$/.exec(connected.location ?? '')?.[1];
  if (!mailboxId) throw new ConnectError(owner.upn, 'connect', connected);
  return { upn: owner.upn, mailboxId, browser };
};

/**
 * Connects every owner's mailbox, `concurrency` people at a time, in the order given. Mailroom must have
 * Microsoft sign-in with auto-provisioning and mailbox sync switched on, and the emulator's app must list
 * Mailroom's two Redirect URIs. The first failure stops the run (after the ones under way finish).
 */
export const connectMailboxes = async (
  owners: readonly MailboxOwner[],
  options: ConnectOptions,
): Promise<ConnectedMailbox[]> => {
  const fetchImpl = fetchWith(trustingAgent(options.caPem)) as typeof fetch;
  const connected: ConnectedMailbox[] = new Array(owners.length);
  let next = 0;
  let done = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (failure === null && next < owners.length) {
      const at = next++;
      try {
        connected[at] = await connectOne(new Browser(fetchImpl), options.mailroomUrl, owners[at]!);
        options.onProgress?.(++done);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  if (failure !== null) throw failure;
  return connected;
};

import assert from 'node:assert/strict';
import type { TestApp } from './app.ts';
import { completeSignIn, type Page, parseForms } from './http-client.ts';
import { DEMO_PASSWORDS, type msBrowser } from './ms-signin.ts';

type MsBrowser = ReturnType<typeof msBrowser>;

/** The mailbox page's "Allow Mailroom to use Microsoft Graph" form, with its CSRF token. */
export const graphConsentForm = async (browser: MsBrowser, app: TestApp, mailboxId: string) => {
  const page = await browser.get(`${app.url}/mailboxes/${mailboxId}`);
  assert.equal(page.status, 200, `the mailbox page: ${page.status}`);
  return parseForms(page.html, page.url).find((f) =>
    f.action.endsWith(`/mailboxes/${mailboxId}/graph-consent`),
  );
};

/**
 * Presses "Allow Mailroom to use Microsoft Graph" on the mailbox page and walks the emulator's sign-in and
 * consent pages as `login`. Returns the authorize request Mailroom made and its answer to the callback.
 */
export const allowGraphThroughMicrosoft = async (
  browser: MsBrowser,
  app: TestApp,
  mailboxId: string,
  login: string,
  choices: { consent?: 'Accept' | 'Cancel' } = {},
): Promise<{ authorize: URL; consentPage: Page; back: Page }> => {
  const form = await graphConsentForm(browser, app, mailboxId);
  assert.ok(form, 'the mailbox page offers “Allow Mailroom to use Microsoft Graph”');
  const start = await browser.request(form.action, {
    method: 'POST',
    body: new URLSearchParams(form.fields),
  });
  assert.equal(start.status, 302, `Graph consent did not start: ${start.status} ${start.html.slice(0, 300)}`);
  const authorize = new URL(start.location!);
  const password = DEMO_PASSWORDS[login] ?? '';
  let consentPage = await browser.get(authorize.href);
  // A browser without a Microsoft session signs in first; the page after that is the consent page.
  if (consentPage.status === 200 && consentPage.html.includes('name="passwd"'))
    consentPage = await browser.submit(consentPage, {
      fields: { login, passwd: password },
      button: 'Sign in',
    });
  let answer = await completeSignIn(browser, consentPage, { login, password }, choices);
  // "Need admin approval" (a permission only an administrator may grant): its only way back to the app.
  const back = 'Return to the application without granting consent';
  if (answer.status === 200 && answer.html.includes(back))
    answer = await browser.submit(answer, { button: back });
  assert.ok(
    answer.location?.startsWith(`${app.url}/mailboxes/connect/microsoft/callback`),
    `Microsoft did not return: ${answer.status} ${answer.html.slice(0, 300)}`,
  );
  return { authorize, consentPage, back: await browser.get(answer.location!) };
};

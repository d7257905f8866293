import { type Browser, chromium, type Page } from 'playwright-core';
import { LOCAL_PASSWORD } from './mailbox-setup.ts';

/** Debian's chromium, headless, with the flags this machine needs (no sandbox as root, no background traffic). */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });

/** Signs a person in on Mailroom's own sign-in page with their local password (the page's base URL set). */
export const signInWithPassword = async (page: Page, email: string): Promise<void> => {
  await page.goto('/signin');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(LOCAL_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
};

import { Browser, type Page, parseForms } from './http-client.ts';

/** A scripted browser signed in to Mailroom with a password. */
export const signedInBrowser = async (baseUrl: string, email: string, password: string): Promise<Browser> => {
  const browser = new Browser();
  const page = await browser.get(`${baseUrl}/signin`);
  const done = await browser.submit(page, { fields: { email, password } });
  if (done.status !== 302) throw new Error(`sign-in failed with ${done.status}: ${done.html.slice(0, 300)}`);
  return browser;
};

/** The CSRF token of the first form of a page. */
export const csrfOf = (page: Page): string => {
  const token = parseForms(page.html, page.url)[0]?.fields._csrf;
  if (!token) throw new Error(`no CSRF token on ${page.url}`);
  return token;
};

/** The visible text of a page, tags stripped, for checking messages a person reads. */
export const textOf = (page: Page): string =>
  page.html
    .replace(/<script[\s\S]*?<\/script>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&rsquo;|’/g, '’')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

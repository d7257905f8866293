// A tiny scripted browser for the emulator's sign-in pages: a cookie jar, no redirects followed (tests read
// Location), and plain HTML forms parsed from the page and posted as a browser without JavaScript would.

export interface Page {
  readonly status: number;
  readonly url: string;
  readonly headers: Headers;
  readonly html: string;
  /** Absolute Location of a redirect, or null. */
  readonly location: string | null;
}

export interface HtmlForm {
  readonly action: string;
  readonly method: string;
  /** Hidden and text inputs with their values. */
  readonly fields: Record<string, string>;
  /** Submit buttons as `name=value` pairs, by their visible text. */
  readonly buttons: Record<string, { name: string; value: string }>;
}

const decodeEntities = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const attr = (tag: string, name: string): string | null => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m ? decodeEntities(m[1]!) : null;
};

/** The forms of a page, in document order. */
export const parseForms = (html: string, baseUrl: string): HtmlForm[] =>
  [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, open, body]) => {
    const fields: Record<string, string> = {};
    for (const [tag] of body!.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(tag, 'name');
      const type = (attr(tag, 'type') ?? 'text').toLowerCase();
      if (name && type !== 'submit') fields[name] = attr(tag, 'value') ?? '';
    }
    const buttons: HtmlForm['buttons'] = {};
    for (const [, tag, text] of body!.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
      const label = decodeEntities(
        text!
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim(),
      );
      buttons[label] = { name: attr(tag!, 'name') ?? '', value: attr(tag!, 'value') ?? '' };
    }
    return {
      action: new URL(attr(open!, 'action') ?? baseUrl, baseUrl).href,
      method: (attr(open!, 'method') ?? 'get').toLowerCase(),
      fields,
      buttons,
    };
  });

/** The text of an element with the given id (for the error page's Message etc.). */
export const textById = (html: string, id: string): string | null => {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)<`, 'i').exec(html);
  return m ? decodeEntities(m[1]!) : null;
};

export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly fetchImpl: typeof fetch = fetch) {}

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }

  async request(url: string, init: { method?: string; body?: URLSearchParams } = {}): Promise<Page> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (init.body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await this.fetchImpl(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.body,
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) this.store(line);
    const location = res.headers.get('location');
    return {
      status: res.status,
      url,
      headers: res.headers,
      html: await res.text(),
      location: location === null ? null : new URL(location, url).href,
    };
  }

  get(url: string): Promise<Page> {
    return this.request(url);
  }

  /** Posts a form of the page (the first by default) with `fields` overriding its inputs and `button` pressed. */
  submit(
    page: Page,
    options: { fields?: Record<string, string>; button?: string; formIndex?: number } = {},
  ): Promise<Page> {
    const form = parseForms(page.html, page.url)[options.formIndex ?? 0];
    if (!form) throw new Error(`no form on page ${page.url}: ${page.html.slice(0, 500)}`);
    const body = new URLSearchParams({ ...form.fields, ...options.fields });
    if (options.button) {
      const button = form.buttons[options.button];
      if (!button)
        throw new Error(`no button "${options.button}" in ${Object.keys(form.buttons).join(', ')}`);
      if (button.name) body.set(button.name, button.value);
    }
    return this.request(form.action, { method: form.method.toUpperCase(), body });
  }

  private store(setCookie: string): void {
    const [pair, ...attributes] = setCookie.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expired = attributes.some(
      (a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a),
    );
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/**
 * Walks the emulator's sign-in pages from `start` as a user would: the account/password form, the MFA
 * approval, the consent page. Stops at the first page that is none of these, or at a redirect.
 */
export const completeSignIn = async (
  browser: Browser,
  start: Page,
  user: { login: string; password: string },
  choices: { consent?: 'Accept' | 'Cancel'; mfa?: 'Approve' | 'Cancel' } = {},
): Promise<Page> => {
  let page = start;
  for (let step = 0; step < 5 && page.status === 200 && page.location === null; step++) {
    const form = parseForms(page.html, page.url)[0];
    if (!form) return page;
    if ('passwd' in form.fields) {
      if (step > 0 && page.html.includes('id="error"')) return page;
      page = await browser.submit(page, {
        fields: { login: user.login, passwd: user.password },
        button: 'Sign in',
      });
    } else if (form.buttons.Approve) page = await browser.submit(page, { button: choices.mfa ?? 'Approve' });
    else if (form.buttons.Accept) page = await browser.submit(page, { button: choices.consent ?? 'Accept' });
    else return page;
  }
  return page;
};

/** The query (or fragment) parameters of a redirect, in order. */
export const redirectParams = (location: string): URLSearchParams => {
  const url = new URL(location);
  return new URLSearchParams(url.hash ? url.hash.slice(1) : url.search);
};

/** POSTs `application/x-www-form-urlencoded` and reads a JSON answer (the token endpoint's way). */
export const postForm = async (
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
  fetchImpl: typeof fetch = fetch,
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> => {
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
};

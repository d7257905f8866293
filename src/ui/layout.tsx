import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { User } from '../users/users.table.ts';

export interface Flash {
  readonly kind: 'success' | 'error' | 'info';
  readonly text: string;
}

export interface PageProps {
  readonly title: string;
  readonly user?: User | null;
  readonly csrf?: string;
  readonly flash?: readonly Flash[];
  /** Path of the current page, to mark it in the navigation. */
  readonly current?: string;
  readonly narrow?: boolean;
  readonly banners?: readonly { kind: 'error' | 'info'; text: string; href: string; action: string }[];
  readonly children?: Child;
}

const NAV = [
  { href: '/', label: 'Home', admin: false },
  { href: '/mail', label: 'Mail', admin: false },
  { href: '/mailboxes', label: 'Mailboxes', admin: false },
  { href: '/settings/system-mailboxes', label: 'System mailboxes', admin: true },
  { href: '/settings/microsoft', label: 'Microsoft 365', admin: true },
  { href: '/settings/webhooks', label: 'Webhooks', admin: true },
  { href: '/audit', label: 'Audit log', admin: true },
];

export const Layout = ({ title, user, csrf, flash, current, narrow, banners, children }: PageProps) => (
  <>
    {raw('<!DOCTYPE html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · Mailroom`}</title>
        <link rel="stylesheet" href="/assets/style.css" />
        <script src="/assets/client.js" defer />
      </head>
      <body>
        <header class="top">
          <div class="bar">
            <a class="brand" href="/">
              Mailroom
            </a>
            {user && (
              <nav aria-label="Main">
                {NAV.filter((n) => !n.admin || user.role === 'administrator').map((n) => (
                  <a href={n.href} aria-current={current === n.href ? 'page' : undefined}>
                    {n.label}
                  </a>
                ))}
              </nav>
            )}
            {user && (
              <form method="post" action="/signout">
                <span class="who">{user.displayName} · </span>
                <input type="hidden" name="_csrf" value={csrf ?? ''} />
                <button class="link" type="submit">
                  Sign out
                </button>
              </form>
            )}
          </div>
        </header>
        <main class={narrow ? 'narrow' : undefined}>
          {(banners ?? []).map((b) => (
            <div class={`flash ${b.kind} banner`} role="alert">
              {b.text} <a href={b.href}>{b.action}</a>
            </div>
          ))}
          {(flash ?? []).map((f) => (
            <div class={`flash ${f.kind}`} role={f.kind === 'error' ? 'alert' : 'status'}>
              {f.text}
            </div>
          ))}
          {children}
        </main>
      </body>
    </html>
  </>
);

export const Field = (props: {
  name: string;
  label: string;
  type?: string;
  value?: string;
  hint?: Child;
  error?: string | undefined;
  placeholder?: string;
  autocomplete?: string;
  required?: boolean;
}) => (
  <div class={props.error ? 'field invalid' : 'field'}>
    <label for={props.name}>{props.label}</label>
    {props.hint && (
      <div class="hint" id={`${props.name}-hint`}>
        {props.hint}
      </div>
    )}
    <input
      id={props.name}
      name={props.name}
      type={props.type ?? 'text'}
      value={props.value ?? ''}
      placeholder={props.placeholder}
      autocomplete={props.autocomplete}
      required={props.required}
      aria-invalid={props.error ? 'true' : undefined}
      aria-describedby={props.error ? `${props.name}-error` : props.hint ? `${props.name}-hint` : undefined}
    />
    {props.error && (
      <div class="error" id={`${props.name}-error`}>
        {props.error}
      </div>
    )}
  </div>
);

export const Csrf = ({ token }: { token: string }) => <input type="hidden" name="_csrf" value={token} />;

import type { Context } from 'hono';
import type { User } from '../../state/model.ts';
import { htmlDocument } from '../html/layout.tsx';
import type { Flow } from './flow-store.ts';
import { AccountPickerPage, MfaPage, SignInPage, signInPaths } from './pages.tsx';

export const renderSignIn = (
  c: Context,
  flow: Flow,
  options: { error?: { text: string; aadsts: number }; login?: string } = {},
): Response => {
  const heading = flow.kind === 'admin_consent' ? 'Sign in with an administrator account' : 'Sign in';
  const page = (
    <SignInPage
      action={signInPaths(flow.path.segment).login}
      flowId={flow.id}
      loginHint={options.login ?? flow.loginHint}
      error={options.error ?? null}
      heading={heading}
    />
  );
  return c.html(htmlDocument(page));
};

export const renderPicker = (c: Context, flow: Flow, user: User): Response =>
  c.html(
    htmlDocument(
      <AccountPickerPage action={signInPaths(flow.path.segment).select} flowId={flow.id} user={user} />,
    ),
  );

export const renderMfa = (c: Context, flow: Flow, user: User): Response =>
  c.html(
    htmlDocument(<MfaPage action={signInPaths(flow.path.segment).mfa} flowId={flow.id} upn={user.upn} />),
  );

import type { User } from '../../state/model.ts';
import { ButtonRow, Layout } from '../html/layout.tsx';

/** Form URLs of the sign-in pages; the flow id in a hidden input is the only thing a form carries. */
export const signInPaths = (segment: string) => ({
  login: `/${segment}/login`,
  select: `/${segment}/login/select`,
  mfa: `/${segment}/SAS/ProcessAuth`,
  consent: `/${segment}/Consent/Set`,
});

/** Username and password in one page (Microsoft uses two; the field names `login`/`passwd` are Microsoft's). */
export const SignInPage = (props: {
  action: string;
  flowId: string;
  loginHint: string | null;
  error: { text: string; aadsts: number } | null;
  heading?: string;
}) => (
  <Layout title="Sign in to your account">
    <h1>{props.heading ?? 'Sign in'}</h1>
    <form method="post" action={props.action}>
      <input type="hidden" name="flow" value={props.flowId} />
      {props.error && (
        <div class="error" id="error" role="alert">
          {props.error.text} <span class="small">(AADSTS{props.error.aadsts})</span>
        </div>
      )}
      <label for="login">Email, phone, or Skype</label>
      <input
        type="email"
        id="login"
        name="login"
        value={props.loginHint ?? ''}
        autocomplete="username"
        required
      />
      <label for="passwd">Password</label>
      <input type="password" id="passwd" name="passwd" autocomplete="current-password" required />
      <ButtonRow>
        <button type="submit" class="primary" name="action" value="signin">
          Sign in
        </button>
        <button type="submit" name="action" value="cancel" formnovalidate>
          Back
        </button>
      </ButtonRow>
    </form>
  </Layout>
);

/** `prompt=select_account` with a signed-in session: pick it or use another account. */
export const AccountPickerPage = (props: { action: string; flowId: string; user: User }) => (
  <Layout title="Pick an account">
    <h1>Pick an account</h1>
    <form method="post" action={props.action}>
      <input type="hidden" name="flow" value={props.flowId} />
      <button type="submit" class="account" name="account" value={props.user.oid}>
        {props.user.displayName}
        <br />
        <span class="small">{props.user.upn} — Signed in</span>
      </button>
      <button type="submit" class="account" name="account" value="other">
        Use another account
      </button>
    </form>
  </Layout>
);

/** The emulated second factor: one click on Approve stands for the Authenticator notification. */
export const MfaPage = (props: { action: string; flowId: string; upn: string }) => (
  <Layout title="Approve sign-in request">
    <p class="small">{props.upn}</p>
    <h1>Approve sign-in request</h1>
    <p>Open your Authenticator app, and approve the request to sign in.</p>
    <form method="post" action={props.action}>
      <input type="hidden" name="flow" value={props.flowId} />
      <ButtonRow>
        <button type="submit" class="primary" name="action" value="approve">
          Approve
        </button>
        <button type="submit" name="action" value="cancel">
          Cancel
        </button>
      </ButtonRow>
    </form>
  </Layout>
);

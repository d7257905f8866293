import type { Config } from '../config.ts';
import { MoreInTheGuide } from '../guide/more-in-the-guide.tsx';
import { Csrf, Field } from '../ui/layout.tsx';
import type { CheckResult } from './check-configuration.ts';
import { CLOUDS } from './cloud.ts';
import type { UploadErrors } from './credentials/certificate-input.ts';
import { CertificateCard, CredentialChoice, ExpiryLine } from './credentials/credential-section.tsx';
import { GRAPH_MAIL_SCOPES, MAILBOX_SCOPES, redirectUris, SIGNIN_SCOPES } from './redirect-uris.ts';
import { credentialsComplete, type MicrosoftSettings } from './settings.ts';
import type { FieldErrors } from './settings-input.ts';

export interface SettingsFormValues {
  clientId: string;
  tenant: string;
  cloud: string;
  customAuthorityUrl: string;
  signinEnabled: boolean;
  syncEnabled: boolean;
  allowedDomains: string;
  allowedTenantIds: string;
  passwordDisabledDomains: string;
  autoProvision: boolean;
  signOutOfMicrosoft: boolean;
  customImapServer: string;
  customSmtpServer: string;
  credentialKind: string;
  assertionAlgorithm: string;
  clientSecretExpiresAt: string;
}

/** Scope strings as the portal names the permissions: without the resource. */
const namesOf = (scopes: readonly string[]): string =>
  scopes.map((scope) => scope.replace(/^https:\/\/[^/]+\//, '')).join(', ');

/**
 * The delegated permissions to add in Azure for each way Mailroom reaches Microsoft 365 (ms-identity-spec.md
 * §12.1, graph-mail-spec.md §1): what `SIGNIN_SCOPES`, `MAILBOX_SCOPES` and `GRAPH_MAIL_SCOPES` ask for.
 */
const PERMISSIONS: readonly { readonly use: string; readonly api: string; readonly names: string }[] = [
  {
    use: 'Sign-in (always)',
    api: 'Microsoft Graph',
    names: namesOf(SIGNIN_SCOPES),
  },
  {
    use: 'Mailboxes over IMAP and SMTP (the default way)',
    api: 'Microsoft Graph (listed there; Mailroom asks for them on outlook.office.com)',
    names: namesOf(MAILBOX_SCOPES),
  },
  {
    use: 'Sending or reading through Microsoft Graph (a mailbox on Graph, or on Automatic when SMTP AUTH is off)',
    api: 'Microsoft Graph',
    names: namesOf(GRAPH_MAIL_SCOPES),
  },
  {
    use: 'Shared and system mailboxes through Microsoft Graph (the delegate also needs FullAccess and Send As)',
    api: 'Microsoft Graph',
    names: 'Mail.ReadWrite.Shared, Mail.Send.Shared',
  },
];

const AzurePermissions = () => (
  <div class="card" id="azure-permissions">
    <h2>API permissions for Azure</h2>
    <p>
      In <em>App registrations › your app › API permissions</em>, choose{' '}
      <em>Add a permission › Microsoft Graph › Delegated permissions</em> and add the names of each row you
      use; then <em>Grant admin consent</em> (or let each person consent when they first sign in or connect a
      mailbox).
    </p>
    <table>
      <thead>
        <tr>
          <th>For</th>
          <th>API</th>
          <th>Delegated permissions</th>
        </tr>
      </thead>
      <tbody>
        {PERMISSIONS.map((p) => (
          <tr>
            <td>{p.use}</td>
            <td>{p.api}</td>
            <td>
              <code>{p.names}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);

export const formValuesOf = (s: MicrosoftSettings): SettingsFormValues => ({
  clientId: s.clientId ?? '',
  tenant: s.tenant ?? '',
  cloud: s.cloud,
  customAuthorityUrl: s.customAuthorityUrl ?? '',
  signinEnabled: s.signinEnabled,
  syncEnabled: s.syncEnabled,
  allowedDomains: s.allowedDomains.join(', '),
  allowedTenantIds: s.allowedTenantIds.join(', '),
  passwordDisabledDomains: s.passwordDisabledDomains.join(', '),
  autoProvision: s.autoProvision,
  signOutOfMicrosoft: s.signOutOfMicrosoft,
  customImapServer: s.customImapServer ?? '',
  customSmtpServer: s.customSmtpServer ?? '',
  credentialKind: s.credentialKind,
  assertionAlgorithm: s.assertionAlgorithm,
  clientSecretExpiresAt: s.clientSecretExpiresAt?.slice(0, 10) ?? '',
});

const date = (iso: string) => new Date(iso).toUTCString().replace(' GMT', ' UTC');

const RedirectUri = ({
  id,
  label,
  uri,
  where,
}: {
  id: string;
  label: string;
  uri: string;
  where: string;
}) => (
  <div class="field">
    <label for={id}>{label}</label>
    <div class="hint">{where}</div>
    <div class="copy-row">
      <input id={id} type="text" value={uri} readonly />
      <button type="button" class="secondary" data-copy={id}>
        Copy
      </button>
    </div>
  </div>
);

const Toggle = (p: {
  name: string;
  label: string;
  hint: string;
  checked: boolean;
  error?: string | undefined;
}) => (
  <div class={p.error ? 'field invalid' : 'field'}>
    <div class="check">
      <input
        type="checkbox"
        id={p.name}
        name={p.name}
        checked={p.checked}
        aria-describedby={`${p.name}-hint`}
      />
      <div>
        <label for={p.name}>{p.label}</label>
        <div class="hint" id={`${p.name}-hint`}>
          {p.hint}
        </div>
      </div>
    </div>
    {p.error && <div class="error">{p.error}</div>}
  </div>
);

export const CheckResultBox = ({ result }: { result: CheckResult }) => (
  <div
    class={result.ok ? 'result ok' : 'result fail'}
    role={result.ok ? 'status' : 'alert'}
    id="check-result"
  >
    <strong>{result.ok ? 'Configuration works.' : 'Configuration problem.'}</strong> {result.message}
    {!result.ok && result.diagnostics.aadsts && (
      <MoreInTheGuide code={`AADSTS${result.diagnostics.aadsts}`} />
    )}
    {(result.diagnostics.aadsts || result.diagnostics.traceId) && (
      <div class="detail mono">
        {result.diagnostics.aadsts ? `AADSTS${result.diagnostics.aadsts}` : ''}
        {result.diagnostics.traceId ? ` · Trace ID ${result.diagnostics.traceId}` : ''}
        {result.diagnostics.correlationId ? ` · Correlation ID ${result.diagnostics.correlationId}` : ''}
        {result.diagnostics.timestamp ? ` · ${result.diagnostics.timestamp}` : ''}
      </div>
    )}
  </div>
);

const MAIL_VIA_LABEL = {
  auto: 'Automatic: IMAP and SMTP, and Microsoft Graph for what Exchange refuses (SMTP AUTH off, IMAP off)',
  smtp: 'IMAP and SMTP only',
  graph: 'Microsoft Graph only',
} as const;

/** The installation's default way to Microsoft 365, taken by each mailbox when it is added. */
const DefaultMailVia = (p: { csrf: string; via: 'auto' | 'smtp' | 'graph' }) => (
  <form method="post" action="/settings/microsoft/mail-via" class="card" id="default-mail-via">
    <h2>Default way to Microsoft 365</h2>
    <p>
      Mailboxes added from now on read and send this way; each mailbox’s page can change its own. Changing it
      here changes no mailbox already added. With Microsoft Graph, add its permissions above.
    </p>
    <Csrf token={p.csrf} />
    <label>
      Mailboxes reach Microsoft 365 through{' '}
      <select name="defaultMailVia">
        {(['auto', 'smtp', 'graph'] as const).map((via) => (
          <option value={via} selected={p.via === via}>
            {MAIL_VIA_LABEL[via]}
          </option>
        ))}
      </select>
    </label>{' '}
    <button type="submit" class="secondary">
      Save the default
    </button>
  </form>
);

export const SettingsPage = (p: {
  config: Config;
  csrf: string;
  settings: MicrosoftSettings;
  /** Mailboxes holding tokens: what a change of authority or mail servers disconnects. */
  connectedMailboxes: number;
  /** How mailboxes added from now on reach Microsoft 365 (mailboxes/default-mail-via.ts). */
  defaultMailVia: 'auto' | 'smtp' | 'graph';
  values: SettingsFormValues;
  errors: FieldErrors;
  check?: CheckResult | undefined;
  uploadErrors?: UploadErrors | undefined;
  /** The time the expiry line is shown against. */
  now: Date;
}) => {
  const uris = redirectUris(p.config);
  const complete = credentialsComplete(p.settings);
  return (
    <>
      <h1>Microsoft 365</h1>
      <p class="lead">
        Connect Mailroom to an app registration in Microsoft Entra ID, so staff sign in and connect mailboxes
        with Microsoft 365.
      </p>

      <div class="card">
        <h2>1. Redirect URIs for Azure</h2>
        <p>
          In the Azure portal, open <em>App registrations › your app › Authentication</em>, add a <em>Web</em>{' '}
          platform and paste both URIs under <em>Redirect URIs</em>.
        </p>
        <RedirectUri
          id="redirect-signin"
          label="Sign-in Redirect URI"
          uri={uris.signIn}
          where="Where Microsoft returns people who sign in (and administrators who grant consent)."
        />
        <RedirectUri
          id="redirect-mailbox"
          label="Mailbox connection Redirect URI"
          uri={uris.mailboxConnection}
          where="Where Microsoft returns people who connect a mailbox."
        />
      </div>

      <AzurePermissions />

      <DefaultMailVia csrf={p.csrf} via={p.defaultMailVia} />

      <form method="post" action="/settings/microsoft" class="card" novalidate>
        <h2>2. Application credentials</h2>
        <Csrf token={p.csrf} />
        <Field
          name="clientId"
          label="Application (client) ID"
          value={p.values.clientId}
          error={p.errors.clientId}
          hint="On the app’s Overview page."
          placeholder="00000000-0000-0000-0000-000000000000"
        />
        <CredentialChoice
          credentialKind={p.values.credentialKind}
          assertionAlgorithm={p.values.assertionAlgorithm}
          error={p.errors.credentialKind}
        />
        <ExpiryLine settings={p.settings} now={p.now} />
        <Field
          name="clientSecret"
          label="Client secret (Value)"
          type="password"
          autocomplete="off"
          error={p.errors.clientSecret}
          hint={
            p.settings.clientSecretSetAt
              ? `Set on ${date(p.settings.clientSecretSetAt)}. It is never shown again; leave this empty to keep it, or paste a new Value to replace it.`
              : 'Under Certificates & secrets: paste the Value column of a client secret, not its Secret ID.'
          }
        />
        <Field
          name="clientSecretExpiresAt"
          label="Client secret expires (optional)"
          type="date"
          value={p.values.clientSecretExpiresAt}
          error={p.errors.clientSecretExpiresAt}
          hint="The Expires column of the secret in Azure. Mailroom warns administrators 30, 14 and 3 days ahead (banner and event) and exports it in /metrics."
        />
        <Field
          name="tenant"
          label="Directory (tenant) ID"
          value={p.values.tenant}
          error={p.errors.tenant}
          hint="A GUID from the Overview page, a verified domain (contoso.com), “organizations” (any work account) or “common”."
        />
        <div class={p.errors.cloud ? 'field invalid' : 'field'}>
          <label for="cloud">Cloud</label>
          <select id="cloud" name="cloud">
            {Object.entries(CLOUDS).map(([value, c]) => (
              <option value={value} selected={p.values.cloud === value}>
                {c.label}
              </option>
            ))}
            <option value="custom" selected={p.values.cloud === 'custom'}>
              Custom authority URL
            </option>
          </select>
        </div>
        <Field
          name="customAuthorityUrl"
          label="Custom authority URL"
          type="url"
          value={p.values.customAuthorityUrl}
          error={p.errors.customAuthorityUrl}
          hint={`Only with the “Custom authority URL” cloud, e.g. the Microsoft 365 emulator’s base URL. ${
            p.config.allowCustomAuthority
              ? 'The operator allowed authorities and mail servers outside this machine (MAILROOM_ALLOW_CUSTOM_AUTHORITY=true): the client secret and every mailbox’s tokens go to the ones you name.'
              : 'It must be on this machine (localhost, 127.0.0.1): the client secret and every mailbox’s tokens go to it, so one elsewhere, and IMAP or SMTP servers elsewhere, are accepted only when the operator sets MAILROOM_ALLOW_CUSTOM_AUTHORITY=true in the environment.'
          }`}
        />

        <Field
          name="customImapServer"
          label="Custom IMAP server"
          value={p.values.customImapServer}
          error={p.errors.customImapServer}
          hint="Only with a custom authority: host:port of IMAP over TLS (Exchange Online uses outlook.office365.com:993)."
        />
        <Field
          name="customSmtpServer"
          label="Custom SMTP server"
          value={p.values.customSmtpServer}
          error={p.errors.customSmtpServer}
          hint="Only with a custom authority: host:port of SMTP submission with STARTTLS (Exchange Online uses smtp.office365.com:587)."
        />
        <p class="hint" id="authority-change">
          Changing the cloud, the custom authority URL or the IMAP or SMTP server asks for the client secret
          again and disconnects{' '}
          {p.connectedMailboxes === 1 ? '1 connected mailbox' : `${p.connectedMailboxes} connected mailboxes`}
          : the secret and the tokens are only ever sent to the authority and servers they were given for, so
          the tokens of the old ones are deleted, each mailbox says <em>reconnect required</em>, and the audit
          log records it.
        </p>
        <h2>3. Features</h2>
        <Toggle
          name="signinEnabled"
          label="Sign in with Microsoft 365"
          checked={p.values.signinEnabled}
          error={p.errors.signinEnabled}
          hint={
            complete
              ? 'Shows “Sign in with Microsoft 365” on the sign-in page.'
              : 'Available once the client ID, tenant and secret are filled in.'
          }
        />
        <Toggle
          name="syncEnabled"
          label="Mailbox sync with Microsoft 365"
          checked={p.values.syncEnabled}
          error={p.errors.syncEnabled}
          hint={
            complete
              ? 'Lets staff connect their mailboxes and administrators connect shared ones.'
              : 'Available once the client ID, tenant and secret are filled in.'
          }
        />
        <Field
          name="allowedDomains"
          label="Allowed e-mail domains"
          value={p.values.allowedDomains}
          error={p.errors.allowedDomains}
          hint="Only people whose verified address (below) is in one of these domains may sign in with Microsoft 365 (comma-separated). Empty allows every domain of the allowed directories."
        />
        <h2>4. Sign-in rules</h2>
        <p id="linking-rules">
          Only accounts of your own directory (the tenant above), or of the directories listed below, may sign
          in and connect mailboxes. The first time, a Microsoft account is linked to the Mailroom user whose
          address Microsoft vouches for: the account’s user name (UPN), or its e-mail address when the app
          registration sends the optional claim <span class="mono">xms_edov</span> (in Azure: Token
          configuration › Add optional claim › ID › xms_edov) and it says the directory owns the address’s
          domain. An e-mail address alone links nobody: any directory’s administrator can set it to anyone’s.
          A user who already signs in with one Microsoft account gets a second one only when an administrator
          confirms it: <a href="/settings/microsoft/links">Microsoft accounts waiting for confirmation</a>.
        </p>
        <Field
          name="allowedTenantIds"
          label="Allowed directories (multi-tenant only)"
          value={p.values.allowedTenantIds}
          error={p.errors.allowedTenantIds}
          hint="Required with “organizations” or “common”: the directory (tenant) IDs whose people may sign in and connect mailboxes, comma-separated. Mailroom never accepts every organisation; for your own directory alone, enter its ID as the tenant."
        />
        <Field
          name="passwordDisabledDomains"
          label="Password sign-in disabled for these domains"
          value={p.values.passwordDisabledDomains}
          error={p.errors.passwordDisabledDomains}
          hint="People with these e-mail domains must use “Sign in with Microsoft 365”."
        />
        <Toggle
          name="autoProvision"
          label="Create accounts at first sign-in"
          checked={p.values.autoProvision}
          error={p.errors.autoProvision}
          hint="Someone of an allowed directory and domain without a Mailroom account gets a staff account, under their verified address, when they first sign in with Microsoft 365. Off: an administrator creates accounts first."
        />
        <Toggle
          name="signOutOfMicrosoft"
          label="Sign out of Microsoft too"
          checked={p.values.signOutOfMicrosoft}
          error={p.errors.signOutOfMicrosoft}
          hint="Signing out of Mailroom also ends the Microsoft 365 session in that browser."
        />
        <div class="actions">
          <button type="submit">Save</button>
          {p.settings.updatedAt && (
            <span class="hint">
              Last saved {date(p.settings.updatedAt)} by {p.settings.updatedBy}
            </span>
          )}
        </div>
      </form>

      <CertificateCard csrf={p.csrf} settings={p.settings} uploadErrors={p.uploadErrors} />

      <div class="card">
        <h2>5. Check and consent</h2>
        <p>
          Check configuration asks Microsoft for a token with the saved credentials, without involving any
          user.
        </p>
        <form method="post" action="/settings/microsoft/check">
          <Csrf token={p.csrf} />
          <button type="submit" class="secondary" disabled={!complete}>
            Check configuration
          </button>
        </form>
        {p.check && <CheckResultBox result={p.check} />}
        <p>
          Diagnose all walks every mailbox’s chain (token, IMAP, SMTP, Graph, FullAccess, Send As) and lists
          them by verdict, with the broken link and its fix.
        </p>
        <form method="post" action="/settings/microsoft/diagnose-all">
          <Csrf token={p.csrf} />
          <button type="submit" class="secondary" disabled={!complete}>
            Diagnose all
          </button>
        </form>
        <p>
          If your directory does not let users consent to apps, an administrator grants consent once for
          everyone.{' '}
          {complete ? (
            <>
              <a href="/settings/microsoft/admin-consent">Grant admin consent in Microsoft Entra ID</a>{' '}
              (sign-in, IMAP and SMTP). Microsoft Graph is asked for only when a mailbox needs it; to allow it
              for everyone at once:{' '}
              <a href="/settings/microsoft/admin-consent?for=graph">
                Grant admin consent for Microsoft Graph
              </a>{' '}
              (Mail.ReadWrite, Mail.Send and their .Shared forms for system mailboxes).
            </>
          ) : (
            <span class="hint">(available once the credentials are saved)</span>
          )}
        </p>
      </div>
    </>
  );
};

import { ButtonRow, Layout } from '../html/layout.tsx';

/** "Permissions requested" with Accept and Cancel; `forOrganization` for admin consent (ms-identity-spec.md §10). */
export const ConsentPage = (props: {
  action: string;
  flowId: string;
  appName: string;
  upn: string;
  permissions: readonly string[];
  forOrganization: boolean;
}) => (
  <Layout title="Permissions requested">
    <p class="small">{props.upn}</p>
    <h1>Permissions requested{props.forOrganization ? ' — Accept for your organization' : ''}</h1>
    <p>
      <strong>{props.appName}</strong> (unverified)
    </p>
    <p>This app would like to:</p>
    <ul id="permissions">
      {props.permissions.map((p) => (
        <li>{p}</li>
      ))}
    </ul>
    {props.forOrganization && (
      <p class="small">
        If you accept, this app will get access to the specified resources for all users in your organization.
      </p>
    )}
    <form method="post" action={props.action}>
      <input type="hidden" name="flow" value={props.flowId} />
      <ButtonRow>
        <button type="submit" class="primary" name="action" value="accept">
          Accept
        </button>
        <button type="submit" name="action" value="cancel">
          Cancel
        </button>
      </ButtonRow>
    </form>
  </Layout>
);

/** Shown when a requested permission needs an administrator's consent that was not given. */
export const AdminApprovalPage = (props: {
  action: string;
  flowId: string;
  appName: string;
  permissions: readonly string[];
}) => (
  <Layout title="Need admin approval">
    <h1>Need admin approval</h1>
    <p>
      <strong>{props.appName}</strong> needs permission to access resources in your organization that only an
      admin can grant. Please ask an admin to grant permission to this app before you can use it.
    </p>
    <ul id="permissions">
      {props.permissions.map((p) => (
        <li>{p}</li>
      ))}
    </ul>
    <form method="post" action={props.action}>
      <input type="hidden" name="flow" value={props.flowId} />
      <ButtonRow>
        <button type="submit" name="action" value="cancel">
          Return to the application without granting consent
        </button>
      </ButtonRow>
    </form>
  </Layout>
);

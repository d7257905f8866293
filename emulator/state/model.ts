// The emulated directory: what Microsoft Entra ID and Exchange Online know about tenants, apps, users
// and mailboxes. Field names follow ms-identity-spec.md §1 ("Emulator data model").

export type SignInAudience = 'AzureADMyOrg' | 'AzureADMultipleOrgs';

export interface Tenant {
  readonly id: string;
  displayName: string;
  /** Verified domains; the first is the default (`contoso.onmicrosoft.com`-like). */
  domains: string[];
  region: string;
  /** Exchange `SmtpClientAuthenticationDisabled` for the organisation, inverted. */
  smtpAuthEnabled: boolean;
}

export interface AppSecret {
  readonly id: string;
  readonly value: string;
  readonly createdAt: number;
  expiresAt: number;
}

/** An uploaded certificate (keyCredentials, type AsymmetricX509Cert, usage Verify; app-only-spec.md §3). */
export interface AppCertificate {
  readonly id: string;
  /** base64url SHA-1 (`x5t`) and SHA-256 (`x5t#S256`) of the DER, and the portal's hex thumbprint. */
  readonly x5t: string;
  readonly x5tS256: string;
  readonly thumbprintHex: string;
  /** The certificate in PEM: its public key verifies assertions. */
  readonly pem: string;
  readonly startsAt: number;
  /** The certificate's notAfter unless the control API set another (endDateTime). */
  expiresAt: number;
}

export interface RedirectUri {
  readonly uri: string;
  readonly type: 'web' | 'spa' | 'public';
}

/** A permission the app registration asks for (requiredResourceAccess). */
export interface Permission {
  /** Resource identifier, e.g. `https://graph.microsoft.com` or `https://outlook.office.com`. */
  readonly resource: string;
  /** Scope (delegated) or app role (application) name, e.g. `IMAP.AccessAsUser.All`. */
  readonly value: string;
  readonly type: 'delegated' | 'application';
  readonly adminConsentRequired: boolean;
}

export interface App {
  readonly appId: string;
  displayName: string;
  /** Tenant the registration lives in. */
  readonly homeTenantId: string;
  signInAudience: SignInAudience;
  secrets: AppSecret[];
  certificates: AppCertificate[];
  redirectUris: RedirectUri[];
  permissions: Permission[];
  /**
   * Optional claims of the ID token (the app's Token configuration in Entra, the manifest's
   * `optionalClaims.idToken`). Only `xms_edov` is modelled: whether the `email` claim's domain is
   * verified by the user's directory.
   */
  optionalClaims: OptionalClaim[];
}

export type OptionalClaim = 'xms_edov';

export interface User {
  readonly oid: string;
  readonly tenantId: string;
  /** A member's UPN always ends in a verified domain of its tenant (Entra refuses any other suffix). */
  upn: string;
  /** Entra's `mail` attribute: an administrator may set it to any address, verified domain or not. */
  mail: string | null;
  displayName: string;
  password: string;
  disabled: boolean;
  mfaRequired: boolean;
  /** Refresh tokens issued before this instant (ms) are revoked (revokeSignInSessions, AADSTS50173). */
  tokensValidFrom: number;
}

export interface Mailbox {
  /** Primary SMTP address, lower case. */
  readonly address: string;
  readonly tenantId: string;
  readonly type: 'user' | 'shared';
  /** The user who owns a user mailbox. */
  readonly ownerOid: string | null;
  displayName: string;
  /** Principals (user oid or app id) with FullAccess (Add-MailboxPermission). */
  fullAccess: string[];
  /** Principals (user oid) allowed to send as this address (Add-RecipientPermission). */
  sendAs: string[];
  imapEnabled: boolean;
  /** `null` follows the tenant's setting (Set-CASMailbox -SmtpClientAuthenticationDisabled $null). */
  smtpAuthEnabled: boolean | null;
}

/** A delegated permission grant (oauth2PermissionGrant): per user, or for all users after admin consent. */
export interface Consent {
  readonly tenantId: string;
  readonly appId: string;
  /** `null` = admin consent on behalf of the whole tenant. */
  readonly userOid: string | null;
  readonly resource: string;
  scopes: Set<string>;
}

export interface AuthCode {
  readonly code: string;
  readonly appId: string;
  readonly tenantId: string;
  /** The tenant segment the authorize request used (`common`, a GUID, a domain...). */
  readonly tenantSegment: string;
  readonly userOid: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly nonce: string | null;
  readonly codeChallenge: string | null;
  readonly codeChallengeMethod: 'S256' | 'plain' | null;
  readonly issuedAt: number;
  /** Sign-in instant of the browser session (ms); the ID token's `auth_time`. */
  readonly authTime: number;
  /** MFA was done in that session; its refresh tokens inherit it (AADSTS50076, ms-identity-spec.md §6.3). */
  readonly mfaDone: boolean;
  redeemed: boolean;
}

export interface RefreshTokenRecord {
  readonly token: string;
  readonly appId: string;
  readonly tenantId: string;
  readonly userOid: string;
  /** Every scope the grant may be used for (all resources; RTs are not bound to a resource). */
  readonly scopes: readonly string[];
  readonly issuedAt: number;
  /**
   * Sign-in instant of the grant (ms), inherited by every successor refresh token: AADSTS50173 compares it
   * with the user's tokensValidFrom (ms-identity-spec.md §6.3, §7), not the successor's own issuedAt.
   */
  readonly authTime: number;
  /** MFA was done at that sign-in; if not, refreshing fails once MFA becomes required (AADSTS50076, §6.3). */
  readonly mfaDone: boolean;
  lastUsedAt: number;
  revoked: boolean;
}

/** What the control API lists about every token the emulator issued. Never the token itself. */
export interface IssuedToken {
  readonly uti: string;
  readonly kind: 'access_token' | 'id_token' | 'refresh_token';
  readonly grantType: 'authorization_code' | 'refresh_token' | 'client_credentials';
  readonly appId: string;
  readonly tenantId: string;
  /** User oid, or the app id for app-only tokens. */
  readonly subject: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly issuedAt: number;
  readonly expiresAt: number | null;
}

/**
 * How many grants the token endpoint answered for one subject, app and grant type: one access token is
 * issued per successful grant. Unlike the issued-token log it is never trimmed, so a run over a thousand
 * users can count its refreshes.
 */
export interface GrantCount {
  readonly subject: string;
  readonly appId: string;
  readonly grantType: IssuedToken['grantType'];
  count: number;
}

export interface TokenEndpointFault {
  readonly status: 429 | 500 | 503;
  readonly retryAfterSeconds: number | null;
  /** How many more requests get the fault. */
  remaining: number;
}

export interface ImapThrottle {
  readonly backoffMs: number;
  /** Mailbox address the throttling applies to, or `null` for every mailbox. */
  readonly mailbox: string | null;
  /** How many more commands get the throttled answer; `null` until switched off. */
  remaining: number | null;
}

/**
 * How the SMTP server misbehaves for the next messages: `drop_after_data` delivers the message and then
 * cuts the connection before its final reply (the sender cannot know it went); `temporary_failure` answers
 * the end of DATA with `451 4.3.2` and delivers nothing; `auth_rejected` answers AUTH with `535 5.7.3`
 * whatever the token (what Exchange says to a token it will not take, e.g. without SMTP.Send).
 */
export interface SmtpFault {
  readonly mode: 'drop_after_data' | 'temporary_failure' | 'auth_rejected' | 'hold_data';
  remaining: number;
}

export interface Knobs {
  /** Access-token lifetime in seconds; `null` draws from [3600, 5400] like Entra ID. */
  accessTokenLifetimeSec: number | null;
  authCodeLifetimeSec: number;
  refreshTokenIdleSec: number;
  /** Added to the wall clock for everything the emulator dates or expires. */
  clockOffsetMs: number;
  tokenEndpointFault: TokenEndpointFault | null;
  imapThrottle: ImapThrottle | null;
  smtpFault: SmtpFault | null;
  /** Put a copy of every message accepted over SMTP into the sender's Sent Items. */
  saveToSentItems: boolean;
  /** Forge the next ID tokens on purpose, so relying parties can prove they reject them. */
  idTokenFault: IdTokenFault | null;
}

/** How a forged ID token is wrong (each is a check ms-identity-spec.md §4 and §11.1 asks relying parties to make). */
export type IdTokenFaultMode = 'iss_tid_mismatch' | 'wrong_aud' | 'expired' | 'bad_signature' | 'wrong_nonce';

export interface IdTokenFault {
  readonly mode: IdTokenFaultMode;
  remaining: number;
}

import { z } from 'zod';
import { authorityBase, type Cloud, DOMAIN, GUID, tenantKind } from './cloud.ts';
import type { AssertionAlgorithm } from './credentials/client-assertion.ts';
import { type CredentialKind, credentialsComplete, type MicrosoftSettings } from './settings.ts';

/**
 * Longer than any honest value of the field: refused before a pattern reads it (zod runs every check
 * even after one failed; `abort` stops it).
 */
const bounded = (max: number) =>
  z.string().max(max, { message: `This is too long: at most ${max} characters.`, abort: true });
const MAX_LIST_ENTRIES = 500;
/** A list as an array or as text; each entry a domain name (RFC 1035 §2.3.4) or a GUID at most. */
const list = z
  .union([z.array(bounded(253)).max(MAX_LIST_ENTRIES), bounded(MAX_LIST_ENTRIES * 100)], {
    error: `This list is too long: at most ${MAX_LIST_ENTRIES} entries of 253 characters.`,
  })
  .default([]);

/** What an administrator submits, from the form or `PUT /api/settings/microsoft`. */
export const settingsInputSchema = z.object({
  clientId: bounded(100).trim().default('').describe('The Application (client) ID, a GUID'),
  tenant: bounded(253).trim().default('').describe('GUID, verified domain, "organizations" or "common"'),
  cloud: z.enum(['global', 'usgov', 'china', 'custom']).default('global'),
  customAuthorityUrl: bounded(2048).trim().default('').describe('https origin, custom cloud only'),
  clientSecret: bounded(1024)
    .default('')
    .describe("The secret's Value (not its ID). Omit or send empty to keep the stored one.")
    .meta({ writeOnly: true }),
  signinEnabled: z.boolean().default(false),
  syncEnabled: z.boolean().default(false),
  allowedDomains: list.describe('An array, or one text of entries separated by commas or new lines'),
  allowedTenantIds: list.describe('Directory (tenant) IDs; only with organizations/common'),
  passwordDisabledDomains: list,
  autoProvision: z.boolean().default(false).describe('Create staff users at their first Microsoft sign-in'),
  signOutOfMicrosoft: z.boolean().default(false),
  customImapServer: bounded(300).trim().default('').describe('host:port of IMAP over TLS, custom cloud only'),
  customSmtpServer: bounded(300)
    .trim()
    .default('')
    .describe('host:port of SMTP with STARTTLS, custom cloud only'),
  credentialKind: z
    .enum(['secret', 'certificate'])
    .optional()
    .describe('Omit to keep; certificate needs a stored certificate (POST …/certificate)'),
  assertionAlgorithm: z.enum(['RS256', 'PS256']).optional().describe('Omit to keep'),
  clientSecretExpiresAt: bounded(40)
    .trim()
    .optional()
    .describe(
      'The secret’s Expires date in Azure (YYYY-MM-DD or a full ISO date-time); empty clears it; omitted keeps it, unless a new secret is sent',
    ),
});

export type SettingsInput = z.input<typeof settingsInputSchema>;

export interface ValidSettings {
  readonly clientId: string | null;
  readonly tenant: string | null;
  readonly cloud: Cloud;
  readonly customAuthorityUrl: string | null;
  /** A new secret to store, or `null` to keep the current one. */
  readonly newClientSecret: string | null;
  readonly signinEnabled: boolean;
  readonly syncEnabled: boolean;
  readonly allowedDomains: string[];
  readonly allowedTenantIds: string[];
  readonly passwordDisabledDomains: string[];
  readonly autoProvision: boolean;
  readonly signOutOfMicrosoft: boolean;
  readonly customImapServer: string | null;
  readonly customSmtpServer: string | null;
  readonly credentialKind: CredentialKind;
  readonly assertionAlgorithm: AssertionAlgorithm;
  /** The secret's expiry to store (ISO), `null` to clear it, `undefined` to keep it. */
  readonly clientSecretExpiresAt: string | null | undefined;
}

export type FieldErrors = Partial<Record<keyof SettingsInput | 'form', string>>;

export const MESSAGES = {
  clientId:
    'The Application (client) ID is a GUID like 00000000-0000-0000-0000-000000000000: copy it from the app’s Overview page in the Azure portal.',
  tenant:
    'Enter the Directory (tenant) ID (a GUID from the app’s Overview page), a verified domain such as contoso.com, “organizations” or “common”.',
  consumers:
    'Mailroom works with work and school accounts only: use your directory’s ID, a verified domain, “organizations” or “common”.',
  secretIsId:
    'This is the secret’s ID, not its value. In the Azure portal, under Certificates & secrets, copy the Value column of the client secret (it is shown only right after the secret is created; if it is hidden, create a new secret).',
  secretShape:
    'A client secret value has no spaces and at most 512 characters: paste the Value column as it is.',
  customAuthorityUrl:
    'Enter the authority’s base URL, such as https://login.example.com (https, no path; http only for localhost).',
  toggles: 'Fill in the client ID, the tenant and the client secret first, or choose a certificate.',
  allowedDomains: 'List domain names such as contoso.com, separated by commas or spaces.',
  allowedTenantIds: 'List directory (tenant) IDs, GUIDs separated by commas or spaces.',
  mailServer: 'Enter the server as host:port, such as mail.example.com:993.',
  customAuthorityRemote:
    'A custom authority outside this machine receives the client secret and every mailbox’s tokens, so Mailroom accepts one only when its operator set MAILROOM_ALLOW_CUSTOM_AUTHORITY=true in the environment. Pick a Microsoft cloud instead.',
  mailServerRemote:
    'A custom mail server outside this machine receives every mailbox’s tokens, so Mailroom accepts one only when its operator set MAILROOM_ALLOW_CUSTOM_AUTHORITY=true in the environment.',
  secretAgain:
    'The cloud, the authority or the mail servers change: paste the client secret Value again. The secret and the mailboxes’ tokens are only ever sent to the authority and the servers they were given for, so the connected mailboxes must reconnect.',
  certificateMissing:
    'Generate or upload a certificate first (below), upload it to the app in Azure, then choose Certificate.',
  secretExpiry:
    'Enter the date in the Expires column of the client secret in Azure, as YYYY-MM-DD (for example 2027-06-30).',
  tenantsOnlyMultiTenant: 'Allowed directories apply only when the tenant is “organizations” or “common”.',
  tenantsRequired:
    'With “organizations” or “common”, list the directory (tenant) IDs whose people may sign in and connect mailboxes: Mailroom does not accept every Microsoft 365 organisation. For your own directory alone, enter its ID as the tenant instead.',
} as const;

/** A list given as an array or as text separated by commas, semicolons or white space; lower case. */
const listOf = (value: string | string[]): string[] =>
  (Array.isArray(value) ? value : value.split(/[\s,;]+/)).map((v) => v.trim().toLowerCase()).filter(Boolean);

const MULTI_TENANT = ['organizations', 'common'];

/** A date as the portal shows a secret's expiry, or a full ISO date-time; `null` when it is neither. */
const parseExpiry = (value: string): string | null => {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : Date.parse(value);
  if (!Number.isFinite(ms)) return null;
  const parsed = new Date(ms);
  if (day && parsed.getUTCDate() !== Number(day[3])) return null;
  if (!day && !/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
  const year = parsed.getUTCFullYear();
  return year >= 2000 && year <= 2200 ? parsed.toISOString() : null;
};

const HOST_PORT = /^(\[[0-9a-f:]+\]|[a-z0-9.-]+):\d{1,5}$/;

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** This machine: where the emulator runs. Anything else as a custom host needs the operator's consent. */
const isLoopbackHost = (host: string): boolean => {
  const h = host.toLowerCase();
  return LOOPBACK.has(h) || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
};

const hostOf = (hostPort: string): string => hostPort.replace(/:\d{1,5}$/, '');

export interface ValidationOptions {
  /** `MAILROOM_ALLOW_CUSTOM_AUTHORITY`: custom authorities and mail servers outside loopback. */
  readonly allowCustomAuthority: boolean;
}

/** The authority and mail hosts a settings value sends secrets and tokens to (`tokenOriginOf`'s parts). */
const hostsOf = (
  s: Pick<MicrosoftSettings, 'cloud' | 'customAuthorityUrl' | 'customImapServer' | 'customSmtpServer'>,
) =>
  JSON.stringify([
    authorityBase(s.cloud, s.customAuthorityUrl),
    s.cloud === 'custom' ? s.customImapServer : null,
    s.cloud === 'custom' ? s.customSmtpServer : null,
  ]);

const checkAuthorityUrl = (value: string): string | null => {
  try {
    const url = new URL(value);
    const httpsOrLocal =
      url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
    if (
      !httpsOrLocal ||
      (url.pathname !== '/' && url.pathname !== '') ||
      url.search ||
      url.hash ||
      url.username
    )
      return null;
    return url.origin;
  } catch {
    return null;
  }
};

/** Validates every field, with a sentence per problem that says what to paste where. */
export const validateSettings = (
  raw: unknown,
  current: MicrosoftSettings,
  options: ValidationOptions,
): { ok: true; value: ValidSettings } | { ok: false; errors: FieldErrors } => {
  const parsed = settingsInputSchema.safeParse(raw);
  if (!parsed.success) {
    const errors: FieldErrors = {};
    for (const issue of parsed.error.issues)
      errors[(issue.path[0] as keyof FieldErrors) ?? 'form'] = issue.message;
    return { ok: false, errors };
  }
  const input = parsed.data;
  const errors: FieldErrors = {};

  const clientId = input.clientId.toLowerCase() || null;
  if (clientId && !GUID.test(clientId)) errors.clientId = MESSAGES.clientId;

  const tenant = input.tenant.toLowerCase() || null;
  if (tenant === 'consumers' || tenant === '9188040d-6c67-4c5b-b112-36a304b66dad')
    errors.tenant = MESSAGES.consumers;
  else if (tenant && !tenantKind(tenant)) errors.tenant = MESSAGES.tenant;

  const secret = input.clientSecret.trim();
  if (secret && GUID.test(secret)) errors.clientSecret = MESSAGES.secretIsId;
  else if (secret && (/\s/.test(secret) || secret.length > 512)) errors.clientSecret = MESSAGES.secretShape;

  let customAuthorityUrl: string | null = null;
  let customImapServer: string | null = null;
  let customSmtpServer: string | null = null;
  if (input.cloud === 'custom') {
    customAuthorityUrl = checkAuthorityUrl(input.customAuthorityUrl);
    if (!customAuthorityUrl) errors.customAuthorityUrl = MESSAGES.customAuthorityUrl;
    else if (!options.allowCustomAuthority && !isLoopbackHost(new URL(customAuthorityUrl).hostname))
      errors.customAuthorityUrl = MESSAGES.customAuthorityRemote;
    customImapServer = input.customImapServer.toLowerCase() || null;
    customSmtpServer = input.customSmtpServer.toLowerCase() || null;
    for (const [field, server] of [
      ['customImapServer', customImapServer],
      ['customSmtpServer', customSmtpServer],
    ] as const) {
      if (server && !HOST_PORT.test(server)) errors[field] = MESSAGES.mailServer;
      else if (server && !options.allowCustomAuthority && !isLoopbackHost(hostOf(server)))
        errors[field] = MESSAGES.mailServerRemote;
    }
  }

  const domains = listOf(input.allowedDomains).map((d) => d.replace(/^@/, ''));
  if (domains.some((d) => !DOMAIN.test(d))) errors.allowedDomains = MESSAGES.allowedDomains;
  const passwordDisabledDomains = listOf(input.passwordDisabledDomains).map((d) => d.replace(/^@/, ''));
  if (passwordDisabledDomains.some((d) => !DOMAIN.test(d)))
    errors.passwordDisabledDomains = MESSAGES.allowedDomains;
  const tenantIds = listOf(input.allowedTenantIds);
  if (tenantIds.some((t) => !GUID.test(t))) errors.allowedTenantIds = MESSAGES.allowedTenantIds;
  else if (tenantIds.length > 0 && tenant && !MULTI_TENANT.includes(tenant)) {
    errors.allowedTenantIds = MESSAGES.tenantsOnlyMultiTenant;
  } else if (tenantIds.length === 0 && tenant && MULTI_TENANT.includes(tenant)) {
    // Any directory's administrator can give their own users any e-mail address: without a list, anyone
    // could sign in (issue 11, item 1). Auto-provisioned accounts for strangers are not offered instead.
    errors.allowedTenantIds = MESSAGES.tenantsRequired;
  }

  const credentialKind = input.credentialKind ?? current.credentialKind;
  if (credentialKind === 'certificate' && !current.certificate)
    errors.credentialKind = MESSAGES.certificateMissing;
  let clientSecretExpiresAt: string | null | undefined;
  if (input.clientSecretExpiresAt) {
    clientSecretExpiresAt = parseExpiry(input.clientSecretExpiresAt);
    if (!clientSecretExpiresAt) errors.clientSecretExpiresAt = MESSAGES.secretExpiry;
  } else if (input.clientSecretExpiresAt === '' || secret) clientSecretExpiresAt = null;

  const value: ValidSettings = {
    credentialKind,
    assertionAlgorithm: input.assertionAlgorithm ?? current.assertionAlgorithm,
    clientSecretExpiresAt,
    clientId,
    tenant,
    cloud: input.cloud,
    customAuthorityUrl,
    newClientSecret: secret || null,
    signinEnabled: input.signinEnabled,
    syncEnabled: input.syncEnabled,
    allowedDomains: [...new Set(domains)],
    allowedTenantIds: [...new Set(tenantIds)],
    passwordDisabledDomains: [...new Set(passwordDisabledDomains)],
    autoProvision: input.autoProvision,
    signOutOfMicrosoft: input.signOutOfMicrosoft,
    customImapServer,
    customSmtpServer,
  };
  // Tokens and the secret belong to the authority and mail hosts they were issued for: moving elsewhere
  // asks for the secret again (and drops the tokens when saved, see saveMicrosoftSettings).
  if (
    credentialKind === 'secret' &&
    current.clientSecretSetAt &&
    !value.newClientSecret &&
    hostsOf(current) !== hostsOf(value)
  )
    errors.clientSecret ??= MESSAGES.secretAgain;
  const complete = credentialsComplete({
    ...current,
    credentialKind,
    clientId: value.clientId,
    tenant: value.tenant,
    cloud: value.cloud,
    customAuthorityUrl: value.customAuthorityUrl,
    clientSecretSetAt: value.newClientSecret ? 'now' : current.clientSecretSetAt,
  });
  if (
    (value.signinEnabled || value.syncEnabled) &&
    !complete &&
    !errors.clientId &&
    !errors.tenant &&
    !errors.clientSecret &&
    !errors.credentialKind
  ) {
    if (value.signinEnabled) errors.signinEnabled = MESSAGES.toggles;
    if (value.syncEnabled) errors.syncEnabled = MESSAGES.toggles;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value };
};

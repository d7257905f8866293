import type { OutboundFetch } from '../net/outbound-fetch.ts';
import { tenantKind } from './cloud.ts';
import { type ClientCredential, clientAuthentication } from './credentials/client-assertion.ts';
import type { MicrosoftSettings } from './settings.ts';
import { authorityOf } from './settings.ts';
import { type MicrosoftTokenError, parseTokenError } from './token-endpoint-error.ts';

export type CheckOutcome =
  | 'ok'
  | 'incomplete'
  | 'secret_invalid'
  | 'secret_expired'
  | 'certificate_not_registered'
  | 'assertion_time'
  | 'app_not_found'
  | 'tenant_not_found'
  | 'multi_tenant_unverified'
  | 'throttled'
  | 'unreachable'
  | 'timeout'
  | 'tls'
  | 'unexpected';

export interface CheckResult {
  readonly ok: boolean;
  readonly outcome: CheckOutcome;
  /** One or two sentences: what happened and what to fix, and where. */
  readonly message: string;
  /** For the administrator: AADSTS code, trace and correlation ids, time. */
  readonly diagnostics: {
    aadsts?: number;
    traceId?: string;
    correlationId?: string;
    timestamp?: string;
    detail?: string;
  };
}

const result = (
  ok: boolean,
  outcome: CheckOutcome,
  message: string,
  diagnostics: CheckResult['diagnostics'] = {},
): CheckResult => ({
  ok,
  outcome,
  message,
  diagnostics,
});

/** Turns a token-endpoint refusal into a sentence that says what to fix (ms-identity-spec.md §15). */
const explain = (e: MicrosoftTokenError, s: MicrosoftSettings, tenant: string): CheckResult => {
  const d = {
    ...(e.aadsts !== null ? { aadsts: e.aadsts } : {}),
    ...(e.traceId ? { traceId: e.traceId } : {}),
    ...(e.correlationId ? { correlationId: e.correlationId } : {}),
    ...(e.timestamp ? { timestamp: e.timestamp } : {}),
    detail: e.description,
  };
  switch (e.aadsts) {
    case 7000215:
      return result(
        false,
        'secret_invalid',
        'Microsoft rejected the client secret (AADSTS7000215). Paste the secret’s Value, not its Secret ID: in the Azure portal open App registrations › your app › Certificates & secrets, and if the value is no longer shown, create a new client secret and paste its Value here.',
        d,
      );
    case 7000222:
      return result(
        false,
        'secret_expired',
        'The client secret has expired (AADSTS7000222). In the Azure portal open App registrations › your app › Certificates & secrets, create a new client secret, and paste its Value here.',
        d,
      );
    case 700027:
      return result(
        false,
        'certificate_not_registered',
        `Microsoft did not accept Mailroom’s certificate (AADSTS700027): it is not registered on the app, or it has expired there. In the Azure portal open App registrations › your app › Certificates & secrets › Certificates and upload the certificate shown on this page (thumbprint ${s.certificate?.thumbprintHex ?? 'unknown'}); if it has expired, generate a new one here and upload that.`,
        d,
      );
    case 700024:
      return result(
        false,
        'assertion_time',
        'Microsoft found Mailroom’s signed client assertion outside its valid time range (AADSTS700024): this server’s clock is wrong. Set the clock right (NTP), then check again.',
        d,
      );
    case 700016:
      return result(
        false,
        'app_not_found',
        `Microsoft found no application with client ID ${s.clientId} in the directory ${tenant} (AADSTS700016). Copy the Application (client) ID from the app’s Overview page, and check that the Directory (tenant) ID is the directory the app is registered in (or one whose administrator has consented to it).`,
        d,
      );
    case 90002:
      return result(
        false,
        'tenant_not_found',
        `Microsoft does not know the directory ${tenant} in this cloud (AADSTS90002). Copy the Directory (tenant) ID from the app’s Overview page, and check the cloud setting.`,
        d,
      );
  }
  if (e.status === 429 || e.status >= 500 || e.error === 'temporarily_unavailable') {
    const wait =
      e.retryAfterSeconds !== null
        ? ` Try again in ${e.retryAfterSeconds} seconds.`
        : ' Try again in a minute.';
    return result(
      false,
      'throttled',
      `Microsoft is busy and did not check the credentials (HTTP ${e.status}).${wait}`,
      d,
    );
  }
  const code = e.aadsts !== null ? ` (AADSTS${e.aadsts})` : '';
  return result(
    false,
    'unexpected',
    `Microsoft refused the credentials: ${e.error}${code}. ${e.description}`,
    d,
  );
};

/** Network failures: which host, and what the administrator can do about it. */
const explainNetwork = (error: unknown, host: string, timeoutMs: number): CheckResult => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code ?? '';
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError' || code.includes('TIMEOUT')) {
    return result(
      false,
      'timeout',
      `${host} did not answer within ${Math.round(timeoutMs / 1000)} seconds. Check that this server can reach it (proxy, firewall), then try again.`,
      { detail: code || name },
    );
  }
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code) || /certificate/i.test(cause?.message ?? '')) {
    return result(
      false,
      'tls',
      `The TLS certificate of ${host} is not trusted (${code || cause?.message}). For a custom authority, give Mailroom its CA certificate with MAILROOM_EXTRA_CA_FILE.`,
      { detail: code },
    );
  }
  return result(
    false,
    'unreachable',
    `Mailroom could not reach ${host} (${code || (error as Error).message}). Check the cloud or authority URL, and that this server can reach it (DNS, proxy, firewall).`,
    { detail: code },
  );
};

/**
 * Check configuration: asks the token endpoint for a client-credentials token (Graph `.default`), which
 * proves the client id, the secret and the tenant together without any user (ms-identity-spec.md §6.4).
 */
export const checkConfiguration = async (
  fetch: OutboundFetch,
  settings: MicrosoftSettings,
  credential: ClientCredential | null,
  timeoutMs: number,
): Promise<CheckResult> => {
  const authority = authorityOf(settings);
  if (!settings.clientId || !settings.tenant || !credential || !authority) {
    return result(
      false,
      'incomplete',
      settings.credentialKind === 'certificate'
        ? 'Fill in the client ID and the tenant, generate or upload a certificate, save, then check again.'
        : 'Fill in the client ID, the tenant and the client secret, save, then check again.',
    );
  }
  // Client credentials need one directory: /common and /organizations refuse them (AADSTS9001023).
  const kind = tenantKind(settings.tenant);
  const tenant =
    kind === 'common' || kind === 'organizations' ? (settings.allowedDomains[0] ?? null) : settings.tenant;
  if (!tenant) {
    return result(
      false,
      'multi_tenant_unverified',
      'A multi-tenant setting (“organizations” or “common”) names no directory to check the secret against. Add an allowed e-mail domain of a directory that uses the app, or enter that directory’s ID, and check again.',
    );
  }
  const url = `${authority}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
  const host = new URL(authority).host;
  const authentication = await clientAuthentication({ clientId: settings.clientId, credential }, url);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'https://graph.microsoft.com/.default',
        ...authentication,
      }).toString(),
    });
  } catch (error) {
    return explainNetwork(error, host, timeoutMs);
  }
  const body = await response.json().catch(() => null);
  if (response.ok && body && typeof (body as { access_token?: unknown }).access_token === 'string') {
    return result(
      true,
      'ok',
      `Microsoft accepted the client ID, the ${credential.kind === 'certificate' ? 'certificate' : 'secret'} and the directory ${tenant}: the configuration works.`,
    );
  }
  const error = parseTokenError(response.status, body, response.headers.get('retry-after'));
  if (!error)
    return result(
      false,
      'unexpected',
      `${host} answered HTTP ${response.status} without a Microsoft error: is the authority URL right?`,
    );
  return explain(error, settings, tenant);
};

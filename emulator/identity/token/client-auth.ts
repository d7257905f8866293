import { createHash, timingSafeEqual } from 'node:crypto';
import { type Directory, now } from '../../state/directory.ts';
import type { App } from '../../state/model.ts';
import { aadsts } from '../errors/aadsts.ts';
import type { TenantPath } from '../tenant-segment.ts';
import { verifyClientAssertion } from './client-assertion.ts';

export interface AuthenticatedClient {
  readonly app: App;
  /** A valid secret or certificate assertion was presented (confidential client). */
  readonly confidential: boolean;
  readonly method: 'none' | 'secret' | 'certificate';
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before being joined with `:` and base64-encoded. */
const formDecode = (value: string): string => decodeURIComponent(value.replace(/\+/g, ' '));

const parseBasic = (header: string | undefined): { id: string; secret: string } | null => {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
};

const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

/**
 * client_secret_post, client_secret_basic or private_key_jwt (ms-identity-spec.md §6.1). An app registration
 * without secrets or certificates is a public client and must send none (AADSTS700025); a confidential one
 * must send one (AADSTS7000218): a secret that matches an unexpired secret's value (AADSTS7000215, 7000222 —
 * both 401 invalid_client), or a client assertion signed by an uploaded certificate (client-assertion.ts).
 */
export const authenticateClient = async (
  dir: Directory,
  path: TenantPath,
  authorization: string | undefined,
  form: Record<string, string>,
  authority: string,
): Promise<AuthenticatedClient> => {
  const basic = parseBasic(authorization);
  if (basic && form.client_id && basic.id !== form.client_id) throw aadsts.clientIdMismatch();
  const clientId = basic?.id ?? form.client_id;
  if (!clientId) throw aadsts.missingParameter('client_id');
  const app = dir.apps.get(clientId.toLowerCase());
  const foreignSingleTenant =
    app?.signInAudience === 'AzureADMyOrg' && path.kind === 'tenant' && app.homeTenantId !== path.tenant.id;
  if (!app || foreignSingleTenant) {
    throw aadsts.appNotFound(clientId, path.kind === 'tenant' ? path.tenant.id : path.segment);
  }
  const secret = basic?.secret ?? form.client_secret;
  const assertion = form.client_assertion ?? form.client_assertion_type;
  if (app.secrets.length === 0 && app.certificates.length === 0) {
    if (secret || assertion) throw aadsts.publicClientWithCredential();
    return { app, confidential: false, method: 'none' };
  }
  if (assertion) {
    await verifyClientAssertion(dir, path, app, form, authority);
    return { app, confidential: true, method: 'certificate' };
  }
  if (!secret) throw aadsts.credentialMissing();
  const match = app.secrets.find((s) => sameSecret(s.value, secret));
  if (!match) throw aadsts.wrongSecret(app.appId);
  if (match.expiresAt <= now(dir)) throw aadsts.secretExpired(app.appId);
  return { app, confidential: true, method: 'secret' };
};

import { createHash, randomBytes } from 'node:crypto';
import { decodeProtectedHeader, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { EmulatorContext } from '../context.ts';
import { nowSeconds } from '../state/directory.ts';
import type { App, IssuedToken, User } from '../state/model.ts';
import { breakSignature, forgeClaims, takeIdTokenFault } from './id-token-fault.ts';
import { GRAPH_APP_ID } from './resources.ts';

export const v2Issuer = (authority: string, tenantId: string): string => `${authority}/${tenantId}/v2.0`;
/** v1 access tokens for Graph and Exchange are issued by sts.windows.net (ms-identity-spec.md §11.2). */
export const v1Issuer = (tenantId: string): string => `https://sts.windows.net/${tenantId}/`;

const uti = (): string => randomBytes(16).toString('base64url').slice(0, 22);

/** `sub` is pairwise: unique per (user, app, tenant) (ms-identity-spec.md §11.1, §11.3). */
export const pairwiseSub = (appId: string, tenantId: string, oid: string): string =>
  createHash('sha256').update(`${appId}|${tenantId}|${oid}`).digest('base64url').slice(0, 43);

export const accessTokenLifetime = (ctx: EmulatorContext): number =>
  ctx.dir.knobs.accessTokenLifetimeSec ?? 3600 + Math.floor(Math.random() * 1800);

const record = (ctx: EmulatorContext, entry: IssuedToken): void => {
  ctx.dir.issuedTokens.push(entry);
  if (ctx.dir.issuedTokens.length > 10_000) ctx.dir.issuedTokens.splice(0, 1_000);
  if (entry.kind === 'access_token') countGrant(ctx, entry);
};

const countGrant = (ctx: EmulatorContext, { subject, appId, grantType }: IssuedToken): void => {
  const key = `${subject} ${appId} ${grantType}`;
  const counted = ctx.dir.grantCounts.get(key) ?? { subject, appId, grantType, count: 0 };
  counted.count += 1;
  ctx.dir.grantCounts.set(key, counted);
};

export interface IdTokenInput {
  /** Authority base URL the token is issued under (see `authorityOf`). */
  readonly authority: string;
  readonly app: App;
  readonly user: User;
  readonly scopes: readonly string[];
  readonly nonce: string | null;
  readonly authTime: number;
  readonly lifetimeSec: number;
  readonly grantType: IssuedToken['grantType'];
}

/** A v2 ID token with the claims of ms-identity-spec.md §11.1; `name`/`oid`/`preferred_username` need `profile`, `email` needs `email`. */
export const mintIdToken = async (ctx: EmulatorContext, input: IdTokenInput): Promise<string> => {
  const { app, user, scopes } = input;
  const iat = nowSeconds(ctx.dir);
  const id = uti();
  const claims: JWTPayload & Record<string, unknown> = {
    aud: app.appId,
    iss: v2Issuer(input.authority, user.tenantId),
    iat,
    nbf: iat,
    exp: iat + input.lifetimeSec,
    sub: pairwiseSub(app.appId, user.tenantId, user.oid),
    tid: user.tenantId,
    uti: id,
    ver: '2.0',
    rh: `0.${randomBytes(24).toString('base64url')}.`,
    aio: randomBytes(32).toString('base64url'),
  };
  if (scopes.includes('profile')) {
    claims.name = user.displayName;
    claims.oid = user.oid;
    claims.preferred_username = user.upn;
  }
  if (scopes.includes('email') && user.mail) {
    claims.email = user.mail;
    // The optional claim xms_edov ("email domain owner verified"), when the app's Token configuration
    // asks for it: true only when the address's domain is a verified domain of the user's directory.
    if (app.optionalClaims.includes('xms_edov')) {
      const domains = ctx.dir.tenants.get(user.tenantId)?.domains ?? [];
      claims.xms_edov = domains.includes(user.mail.split('@')[1] ?? '');
    }
  }
  if (input.nonce !== null) claims.nonce = input.nonce;
  const fault = takeIdTokenFault(ctx);
  if (fault) forgeClaims(fault, claims, input.authority);
  const key = ctx.keys.current;
  const signed = await new SignJWT(claims)
    .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: key.kid })
    .sign(key.privateKey);
  const token = fault === 'bad_signature' ? breakSignature(signed) : signed;
  record(ctx, {
    uti: id,
    kind: 'id_token',
    grantType: input.grantType,
    appId: app.appId,
    tenantId: user.tenantId,
    subject: user.oid,
    audience: app.appId,
    scopes,
    issuedAt: iat * 1000,
    expiresAt: (iat + input.lifetimeSec) * 1000,
  });
  return token;
};

export interface AccessTokenInput {
  readonly app: App;
  readonly tenantId: string;
  /** `null` for an app-only (client credentials) token. */
  readonly user: User | null;
  readonly audience: string;
  /** Delegated scope names without resource prefix (`scp`), or app roles (`roles`) for app-only tokens. */
  readonly scopes: readonly string[];
  readonly lifetimeSec: number;
  readonly grantType: IssuedToken['grantType'];
  /** How the client authenticated: `appidacr` is 2 for a certificate, 1 for a secret (app-only-spec.md §3). */
  readonly clientAuth?: 'secret' | 'certificate';
}

/**
 * A v1 access token shaped like Graph's and Exchange's (ms-identity-spec.md §11.2), with a `nonce` in the
 * header. The emulator signs it normally so its own IMAP, SMTP and Graph can check it; clients treat it as opaque.
 * Besides `scp`, a `scope` claim carries the same value because Dovecot-style validators only read `scope`.
 */
export const mintAccessToken = async (ctx: EmulatorContext, input: AccessTokenInput): Promise<string> => {
  const { app, user } = input;
  const iat = nowSeconds(ctx.dir);
  const id = uti();
  const claims: JWTPayload & Record<string, unknown> = {
    aud: input.audience,
    iss: v1Issuer(input.tenantId),
    iat,
    nbf: iat,
    exp: iat + input.lifetimeSec,
    aio: randomBytes(32).toString('base64url'),
    app_displayname: app.displayName,
    appid: app.appId,
    appidacr: input.clientAuth === 'certificate' ? '2' : '1',
    idp: v1Issuer(input.tenantId),
    rh: `0.${randomBytes(24).toString('base64url')}.`,
    tid: input.tenantId,
    uti: id,
    ver: '1.0',
  };
  if (user) {
    Object.assign(claims, {
      acct: 0,
      acr: '1',
      amr: user.mfaRequired ? ['pwd', 'mfa'] : ['pwd'],
      idtyp: 'user',
      name: user.displayName,
      oid: user.oid,
      scp: input.scopes.join(' '),
      scope: input.scopes.join(' '),
      sub: pairwiseSub(input.audience, input.tenantId, user.oid),
      unique_name: user.upn,
      upn: user.upn,
    });
    delete claims.idp;
  } else {
    Object.assign(claims, {
      idtyp: 'app',
      oid: servicePrincipalOid(app.appId, input.tenantId),
      sub: app.appId,
    });
    // `roles` is absent when no application permission was granted (ms-identity-spec.md §6.4).
    if (input.scopes.length > 0) claims.roles = input.scopes;
  }
  const key = ctx.keys.current;
  const header = {
    typ: 'JWT',
    nonce: randomBytes(32).toString('base64url'),
    alg: 'RS256',
    x5t: key.kid,
    kid: key.kid,
  };
  const token = await new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
  record(ctx, {
    uti: id,
    kind: 'access_token',
    grantType: input.grantType,
    appId: app.appId,
    tenantId: input.tenantId,
    subject: user ? user.oid : app.appId,
    audience: input.audience,
    scopes: input.scopes,
    issuedAt: iat * 1000,
    expiresAt: (iat + input.lifetimeSec) * 1000,
  });
  return token;
};

/** The service principal's object id in a tenant; stable so grants can name it. */
export const servicePrincipalOid = (appId: string, tenantId: string): string => {
  const h = createHash('sha256').update(`sp|${appId}|${tenantId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export interface AccessTokenClaims {
  readonly aud: string;
  readonly tid: string;
  readonly appid: string;
  readonly exp: number;
  readonly oid?: string;
  readonly upn?: string;
  readonly scp?: string;
  readonly roles?: readonly string[];
  readonly idtyp: 'user' | 'app';
  readonly uti: string;
}

export type AccessTokenCheck =
  | { readonly ok: true; readonly claims: AccessTokenClaims }
  | {
      readonly ok: false;
      readonly reason: 'malformed' | 'unknown_key' | 'bad_signature' | 'expired' | 'not_yet_valid';
    };

/** Verifies a token this emulator issued: signature against its published keys and lifetime on its own clock. */
export const verifyAccessToken = async (ctx: EmulatorContext, token: string): Promise<AccessTokenCheck> => {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const key = ctx.keys.published.find((k) => k.kid === kid);
  if (!key) return { ok: false, reason: 'unknown_key' };
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      currentDate: new Date(nowSeconds(ctx.dir) * 1000),
      clockTolerance: 0,
      algorithms: ['RS256'],
    });
    if (
      typeof payload.aud !== 'string' ||
      typeof payload.tid !== 'string' ||
      typeof payload.appid !== 'string'
    ) {
      return { ok: false, reason: 'malformed' };
    }
    return { ok: true, claims: payload as unknown as AccessTokenClaims };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_JWT_EXPIRED') return { ok: false, reason: 'expired' };
    if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return { ok: false, reason: 'not_yet_valid' };
    return { ok: false, reason: 'bad_signature' };
  }
};

export const isGraphAudience = (aud: string): boolean =>
  aud === GRAPH_APP_ID || aud === 'https://graph.microsoft.com';

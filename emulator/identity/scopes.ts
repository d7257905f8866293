import { GRAPH, OIDC_SCOPES, OUTLOOK, parseScope } from './resources.ts';

/** The resources the emulator hosts; a scope naming another resource is AADSTS500011. */
export const KNOWN_RESOURCES: ReadonlySet<string> = new Set([GRAPH, OUTLOOK]);

export interface ResourceScopes {
  /** Canonical resource (`https://graph.microsoft.com`, `https://outlook.office.com`). */
  readonly resource: string;
  /** Scope names without prefix, in request order (`User.Read`, `.default`). */
  readonly values: string[];
  /** The scopes as the client wrote them, for the token audience (§11.2: `aud` follows the identifier used). */
  readonly raw: string[];
}

export interface SplitScopes {
  readonly oidc: string[];
  /** In order of first appearance. */
  readonly resources: ResourceScopes[];
}

/** `scope` parameter: space-separated (ms-identity-spec.md §5.1). */
export const scopeList = (value: string | undefined | null): string[] =>
  (value ?? '').split(/\s+/).filter((s) => s.length > 0);

/** Groups scopes by resource; scopes without a prefix are Graph's (`User.Read`). */
export const splitScopes = (scopes: readonly string[]): SplitScopes => {
  const oidc: string[] = [];
  const byResource = new Map<string, ResourceScopes>();
  for (const raw of scopes) {
    const parsed = parseScope(raw);
    if (parsed.resource === null) {
      if (!oidc.includes(parsed.value)) oidc.push(parsed.value);
      continue;
    }
    const entry = byResource.get(parsed.resource) ?? { resource: parsed.resource, values: [], raw: [] };
    if (!entry.values.includes(parsed.value)) entry.values.push(parsed.value);
    entry.raw.push(raw);
    byResource.set(parsed.resource, entry);
  }
  return { oidc, resources: [...byResource.values()] };
};

export const isOidcScope = (scope: string): boolean => OIDC_SCOPES.has(scope);

/** A scope as written in a token response or admin-consent redirect: prefixed, except the OIDC ones. */
export const prefixed = (resource: string, value: string): string =>
  isOidcScope(value) ? value : `${resource}/${value}`;

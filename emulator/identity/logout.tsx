import type { Context } from 'hono';
import { decodeJwt } from 'jose';
import type { IdentityDeps } from './deps.ts';
import { msQuery } from './errors/ms-url-encoding.ts';
import { requestParams } from './form.ts';
import { htmlDocument, Layout } from './html/layout.tsx';
import { endSession } from './session/cookie.ts';

/** The client a logout names: `client_id`, else the `aud` of `id_token_hint` (only used to look up redirect URIs). */
const clientIdOf = (p: Record<string, string>): string | undefined => {
  if (p.client_id) return p.client_id;
  if (!p.id_token_hint) return undefined;
  try {
    const aud = decodeJwt(p.id_token_hint).aud;
    return typeof aud === 'string' ? aud : undefined;
  } catch {
    return undefined;
  }
};

const SignedOutPage = () => (
  <Layout title="Sign out">
    <h1>You signed out of your account</h1>
    <p>It's a good idea to close all browser windows.</p>
  </Layout>
);

/**
 * `GET|POST /{tenant}/oauth2/v2.0/logout` (ms-identity-spec.md §9): ends the emulator's browser session (refresh
 * tokens stay valid), then redirects to `post_logout_redirect_uri` if it is a registered redirect URI of the
 * client, otherwise shows the signed-out page.
 */
export const logoutHandler = (deps: IdentityDeps) => async (c: Context) => {
  const p = await requestParams(c);
  endSession(deps, c);
  const uri = p.post_logout_redirect_uri;
  const clientId = clientIdOf(p);
  const app = clientId ? deps.ctx.dir.apps.get(clientId.toLowerCase()) : undefined;
  if (uri && app?.redirectUris.some((r) => r.uri === uri)) {
    const state =
      p.state === undefined ? '' : `${uri.includes('?') ? '&' : '?'}${msQuery([['state', p.state]])}`;
    return c.redirect(`${uri}${state}`, 302);
  }
  return c.html(htmlDocument(<SignedOutPage />));
};

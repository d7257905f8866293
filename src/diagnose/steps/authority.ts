import { IdentityError } from '../../microsoft/identity-error.ts';
import { createMetadataCache } from '../../microsoft/metadata.ts';
import { authorityOf } from '../../microsoft/settings.ts';
import { docsLink } from '../docs-link.ts';
import type { DiagnoseStep } from '../types.ts';

/**
 * The authority's OpenID metadata (`/{tenant}/v2.0/.well-known/openid-configuration`) is reachable and valid,
 * and names a token endpoint on the authority's own host (metadata.ts).
 */
export const authorityReachable: DiagnoseStep = {
  id: 'authority',
  title: 'Authority reachable',
  docs: docsLink('authority-unreachable'),
  applies: () => true,
  run: async (ctx) => {
    const settings = ctx.settings!;
    const authority = authorityOf(settings)!;
    const tenant = settings.tenant!;
    try {
      // A cache of its own, used once: the process' cache may hold a day-old answer, and the question is now.
      const metadata = await createMetadataCache(ctx.deps.fetch)(authority, tenant);
      return {
        status: 'ok',
        code: null,
        whoMustAct: null,
        message: `${new URL(authority).host} answered with the metadata of ${tenant}; tokens come from ${metadata.token_endpoint}.`,
        fix: null,
      };
    } catch (error) {
      if (!(error instanceof IdentityError)) throw error;
      const unreachable = error.code === 'microsoft.unreachable';
      return {
        status: 'failed',
        code: error.code,
        whoMustAct: 'administrator',
        message: unreachable
          ? `Mailroom could not reach ${new URL(authority).host} (${error.message}).`
          : `The authority did not answer with valid metadata for ${tenant}: ${error.message}.`,
        fix: unreachable
          ? 'Check DNS, proxy and firewall from this server to the authority; for a custom authority, its URL on the Microsoft 365 settings page and MAILROOM_EXTRA_CA_FILE.'
          : 'Mailroom › Microsoft 365 settings: check the cloud and the Directory (tenant) ID (Microsoft Entra admin center › App registrations › the app › Overview).',
      };
    }
  },
};

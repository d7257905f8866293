import type { EmulatorContext } from './context.ts';
import { ensureFolder } from './mail/maildir.ts';
import type { RunningMail } from './mail/start-mail.ts';
import { createUser, DirectoryError } from './state/create.ts';
import { findTenant } from './state/directory.ts';

export interface BulkUsersRequest {
  /** UPNs are `<prefix><n>@<the tenant's first domain>`, n from `start` (default 1). */
  readonly prefix: string;
  readonly count: number;
  /** The tenant's id or one of its verified domains. */
  readonly tenant: string;
  /** One password for all of them. */
  readonly password: string;
  readonly start?: number;
}

export interface BulkUsers {
  readonly tenantId: string;
  readonly password: string;
  readonly users: readonly { readonly upn: string; readonly oid: string }[];
  readonly ms: number;
}

export const DEFAULT_BULK_PASSWORD = 'Scale-user-1';

/**
 * Many users at once, each with a mailbox whose Inbox exists on disk already (so the first login does not
 * have to create it): a thousand take well under a second.
 */
export const createUsersInBulk = (
  ctx: EmulatorContext,
  mail: RunningMail | null,
  request: BulkUsersRequest,
): BulkUsers => {
  const started = performance.now();
  const tenant = findTenant(ctx.dir, request.tenant);
  if (!tenant) throw new DirectoryError('not_found', `tenant ${request.tenant} not found`);
  const domain = tenant.domains[0]!;
  const first = request.start ?? 1;
  const taken = new Set([...ctx.dir.users.values()].map((u) => u.upn));
  const upns = Array.from({ length: request.count }, (_, i) => `${request.prefix}${first + i}@${domain}`);
  const clash = upns.find((upn) => taken.has(upn.toLowerCase()));
  if (clash) throw new DirectoryError('conflict', `user ${clash} exists`);
  const users = upns.map((upn) => {
    const user = createUser(ctx.dir, { tenantId: tenant.id, upn, password: request.password });
    if (mail) ensureFolder(mail.store, user.mail!, 'INBOX');
    return { upn: user.upn, oid: user.oid };
  });
  return {
    tenantId: tenant.id,
    password: request.password,
    users,
    ms: Math.round(performance.now() - started),
  };
};

import type { Directory } from '../state/directory.ts';
import { exchangeState, findScope } from './service-principals.ts';

/** What an app does to a mailbox, as RBAC for Applications sees it (app-only-spec.md §2). */
export type ScopedAction = 'smtp_send' | 'graph_read' | 'graph_write' | 'graph_send';

/** The application roles that cover each action (the role table of APP-RBAC). */
const ROLES: Record<ScopedAction, readonly string[]> = {
  smtp_send: ['Application SMTP.SendAsApp'],
  graph_read: [
    'Application Mail.Read',
    'Application Mail.ReadBasic',
    'Application Mail.ReadWrite',
    'Application Mail Full Access',
  ],
  graph_write: ['Application Mail.ReadWrite', 'Application Mail Full Access'],
  graph_send: ['Application Mail.Send', 'Application Mail Full Access'],
};

export const ROLE_NAMES: readonly string[] = [...new Set(Object.values(ROLES).flat())];

/**
 * Whether the app's role assignments leave `address` inside their scope for `action`. No assignment for
 * the action: nothing limits it (the Entra grant alone decides). Otherwise the mailbox must be in the scope
 * of one of them (an unscoped assignment covers the organisation).
 *
 * Exchange itself adds RBAC grants to the Entra ones (TRR0019: a scoped role does not narrow a tenant-wide
 * Entra permission), so in Microsoft 365 the scope only bites once the tenant-wide permission is removed.
 * The emulator lets a scope narrow the app's access as soon as one is assigned, which is the setup the
 * scope is meant to produce; IMAP is never scoped (RBAC does not cover it, §2).
 */
export const insideScope = (
  dir: Directory,
  tenantId: string,
  appId: string,
  action: ScopedAction,
  address: string,
): boolean => {
  const assignments = exchangeState(dir).assignments.filter(
    (a) => a.tenantId === tenantId && a.appId === appId && ROLES[action].includes(a.role),
  );
  if (assignments.length === 0) return true;
  const target = address.toLowerCase();
  return assignments.some((a) => {
    if (a.scope === null) return true;
    return findScope(dir, tenantId, a.scope)?.members.includes(target) ?? false;
  });
};

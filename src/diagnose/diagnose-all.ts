import { recordAudit } from '../audit/record.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import { listAllMailboxes } from '../mailboxes/repository.ts';
import type { User } from '../users/users.table.ts';
import { diagnoseMailbox } from './diagnose-mailbox.ts';
import type { DiagnoseDeps, Diagnosis } from './types.ts';

/** Mailboxes diagnosed at once: each opens IMAP and SMTP sessions and asks for tokens. */
export const DIAGNOSE_ALL_CONCURRENCY = 4;

/** `fn` over `items`, at most `limit` at a time, results in the items' order. */
export const mapWithLimit = async <T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> => {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
};

/** Broken ones first (grouped by the step that broke), then the healthy ones; each group by address. */
export const byVerdict = (a: Diagnosis, b: Diagnosis): number =>
  Number(a.verdict === 'ok') - Number(b.verdict === 'ok') ||
  (a.brokenStep ?? '').localeCompare(b.brokenStep ?? '') ||
  a.address.localeCompare(b.address);

/** Diagnose all: every mailbox of the installation, `concurrency` at a time, sorted by verdict. */
export const diagnoseAll = async (
  deps: DiagnoseDeps,
  options: {
    readonly concurrency?: number;
    readonly diagnose?: (deps: DiagnoseDeps, mailbox: Mailbox) => Promise<Diagnosis>;
  } = {},
): Promise<Diagnosis[]> => {
  const diagnose = options.diagnose ?? diagnoseMailbox;
  const mailboxes = await listAllMailboxes(deps.db);
  const results = await mapWithLimit(mailboxes, options.concurrency ?? DIAGNOSE_ALL_CONCURRENCY, (m) =>
    diagnose(deps, m),
  );
  return results.sort(byVerdict);
};

/** Diagnose all refreshes every mailbox's tokens, personal ones too: the audit log says who ran it. */
export const auditDiagnoseAll = (
  deps: Pick<DiagnoseDeps, 'db'>,
  actor: Pick<User, 'id' | 'email'>,
  all: readonly Diagnosis[],
): Promise<void> =>
  recordAudit(deps.db, actor, 'mailboxes.diagnosed_all', {
    mailboxes: all.length,
    broken: all.filter((d) => d.verdict === 'failed').length,
  });

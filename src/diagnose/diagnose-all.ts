import { listAllMailboxes } from '../mailboxes/repository.ts';
import { diagnoseMailbox } from './diagnose-mailbox.ts';
import type { DiagnoseDeps, Diagnosis } from './types.ts';

/** Mailboxes diagnosed at once: each opens IMAP and SMTP sessions and asks for tokens. */
export const DIAGNOSE_ALL_CONCURRENCY = 4;

/**
 * Diagnose all: every mailbox of the installation, `concurrency` at a time, failed ones first (by the step
 * that broke), then the healthy ones, each group by address.
 */
export const diagnoseAll = async (
  deps: DiagnoseDeps,
  concurrency = DIAGNOSE_ALL_CONCURRENCY,
): Promise<Diagnosis[]> => {
  const mailboxes = await listAllMailboxes(deps.db);
  const results: Diagnosis[] = new Array(mailboxes.length);
  let next = 0;
  const worker = async () => {
    while (next < mailboxes.length) {
      const i = next++;
      results[i] = await diagnoseMailbox(deps, mailboxes[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, mailboxes.length) }, worker));
  return results.sort(
    (a, b) =>
      Number(a.verdict === 'ok') - Number(b.verdict === 'ok') ||
      (a.brokenStep ?? '').localeCompare(b.brokenStep ?? '') ||
      a.address.localeCompare(b.address),
  );
};

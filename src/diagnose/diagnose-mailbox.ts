import type { Mailbox } from '../mailboxes/mailbox.ts';
import { planFor } from './plan.ts';
import { DIAGNOSE_STEPS } from './steps.ts';
import type {
  DiagnoseContext,
  DiagnoseDeps,
  DiagnoseStep,
  Diagnosis,
  StepOutcome,
  StepResult,
} from './types.ts';

const NOT_REACHED = 'Not checked: an earlier link is broken.';

const skipped = (step: DiagnoseStep, message: string): StepResult => ({
  step: step.id,
  title: step.title,
  status: 'skipped',
  code: null,
  whoMustAct: null,
  message,
  fix: null,
  docs: step.docs,
});

/**
 * A step that throws something it does not know (a bug, a database outage) is that walk's broken link:
 * logged with its cause and shown as such, so Diagnose all still reports every other mailbox.
 */
const runStep = async (ctx: DiagnoseContext, step: DiagnoseStep): Promise<StepOutcome> => {
  try {
    return await step.run(ctx);
  } catch (error) {
    ctx.deps.log.error(
      { event: 'mailbox.diagnose_step_failed', mailboxId: ctx.mailbox.id, step: step.id, err: error },
      'a Diagnose step failed unexpectedly',
    );
    return {
      status: 'failed',
      code: 'diagnose.unexpected',
      whoMustAct: 'administrator',
      message: `Diagnose could not complete this step (${error instanceof Error ? error.name : 'error'}); the server log has the cause.`,
      fix: 'Look for mailbox.diagnose_step_failed in Mailroom’s log and report it if it is not a passing outage.',
    };
  }
};

/**
 * Diagnose: walks the mailbox's chain in order and stops at the first broken link; the steps after it
 * are listed as not checked. Changes nothing on the mailbox but what a normal token refresh stores (the
 * new access token and the rotated refresh token); a refused refresh is reported, not recorded.
 */
export const diagnoseMailbox = async (
  deps: DiagnoseDeps,
  mailbox: Mailbox,
  steps: readonly DiagnoseStep[] = DIAGNOSE_STEPS,
): Promise<Diagnosis> => {
  const ctx: DiagnoseContext = {
    deps,
    mailbox,
    plan: planFor(mailbox),
    settings: null,
    servers: null,
    tokens: new Map(),
  };
  const results: StepResult[] = [];
  let broken: string | null = null;
  for (const step of steps) {
    if (broken) {
      results.push(skipped(step, NOT_REACHED));
      continue;
    }
    const applies = step.applies(ctx);
    if (applies !== true) {
      results.push(skipped(step, applies));
      continue;
    }
    const outcome = await runStep(ctx, step);
    results.push({ ...outcome, step: step.id, title: step.title, docs: outcome.docs ?? step.docs });
    if (outcome.status === 'failed') broken = step.id;
  }
  ctx.tokens.clear();
  const failed = results.find((r) => r.step === broken);
  deps.log.info(
    {
      event: 'mailbox.diagnosed',
      mailboxId: mailbox.id,
      verdict: broken ?? 'ok',
      code: failed?.code ?? null,
    },
    'mailbox diagnosed',
  );
  return {
    mailboxId: mailbox.id,
    address: mailbox.address,
    kind: mailbox.kind,
    verdict: broken ? 'failed' : 'ok',
    brokenStep: broken,
    steps: results,
    at: new Date().toISOString(),
  };
};

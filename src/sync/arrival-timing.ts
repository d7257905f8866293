import type { Logger } from '../log/logger.ts';

/**
 * The steps of one arrival round, from the moment its watcher saw new mail (IMAP EXISTS) to the round's
 * end, for the breakdown bench/scale.ts prints. Logged at debug level as `arrival.timing`: `seenAt` in
 * epoch ms (the bench lines it up with its deliveries), each step as ms after it.
 */
export type ArrivalStep =
  /** The job was in the queue (job path). */
  | 'queued'
  /** A worker took the job (job path). */
  | 'picked'
  /** The round started on the watching session (watch path; the Inbox selected again for a whole sync). */
  | 'selected'
  /** One of the process' round slots taken (watch path). */
  | 'slot'
  /** The `sync:<mailbox>` lease was held. */
  | 'leased'
  /** An IMAP session was ready: opened and signed in (job path), the Inbox selected again (watching session). */
  | 'session'
  /** The folder's round was over: new messages listed (a whole folder's sync: flags, deletions read too). */
  | 'synced';

export interface ArrivalTiming {
  readonly seenAt: number;
  readonly via: 'watch' | 'job';
  readonly steps: Partial<Record<ArrivalStep, number>>;
}

export const startTiming = (via: ArrivalTiming['via'], seenAt = Date.now()): ArrivalTiming => ({
  seenAt,
  via,
  steps: {},
});

export const mark = (timing: ArrivalTiming | undefined, step: ArrivalStep): void => {
  if (timing) timing.steps[step] = Date.now() - timing.seenAt;
};

export const logTiming = (
  log: Logger,
  mailboxId: string,
  timing: ArrivalTiming | undefined,
  outcome: string,
): void => {
  if (!timing || !log.isLevelEnabled('debug')) return;
  log.debug(
    {
      event: 'arrival.timing',
      mailboxId,
      via: timing.via,
      seenAt: timing.seenAt,
      ...timing.steps,
      done: Date.now() - timing.seenAt,
      outcome,
    },
    'arrival round timed',
  );
};

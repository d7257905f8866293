// Where the time from delivery to listed goes: the `arrival.timing` lines a worker logs at debug level
// (src/sync/arrival-timing.ts), lined up with the bench's deliveries by mailbox and time.
import { readFileSync } from 'node:fs';

export interface TimingRecord {
  readonly mailboxId: string;
  readonly via: 'watch' | 'job';
  /** Epoch ms: the watcher saw the EXISTS that started the round. */
  readonly seenAt: number;
  readonly selected?: number;
  readonly slot?: number;
  readonly picked?: number;
  readonly leased?: number;
  readonly session?: number;
  readonly synced?: number;
  readonly done: number;
  readonly outcome: string;
}

export interface TimedDelivery {
  readonly mailboxId: string;
  /** Epoch ms of the delivery request, and of the bench seeing the message listed (null: never). */
  readonly sentAt: number;
  readonly listedAt: number | null;
}

/** The `arrival.timing` records of a worker's JSON log. */
export const readTimings = (logPath: string): TimingRecord[] =>
  readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"arrival.timing"'))
    .map((line) => JSON.parse(line) as TimingRecord);

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
};

/**
 * For each delivery, the first round of its mailbox that saw mail at or after it and listed it (a round
 * sent on to a job is followed to the job's record, which keeps the same `seenAt`); then per step the
 * p50 and p99 of ms since the delivery. Lines to print.
 */
export const breakdown = (
  deliveries: readonly TimedDelivery[],
  records: readonly TimingRecord[],
): string[] => {
  const byMailbox = new Map<string, TimingRecord[]>();
  for (const r of records) {
    const list = byMailbox.get(r.mailboxId) ?? [];
    list.push(r);
    byMailbox.set(r.mailboxId, list);
  }
  const steps: Record<string, number[]> = {};
  const add = (step: string, ms: number | undefined) => {
    if (ms === undefined) return;
    const list = steps[step] ?? [];
    list.push(ms);
    steps[step] = list;
  };
  const vias: Record<string, number> = {};
  let matched = 0;
  for (const d of deliveries) {
    const round = (byMailbox.get(d.mailboxId) ?? [])
      .filter((r) => r.seenAt >= d.sentAt && (r.outcome === 'synced' || r.outcome === 'listed'))
      .sort((a, b) => a.seenAt - b.seenAt)[0];
    if (!round) continue;
    matched++;
    vias[round.via] = (vias[round.via] ?? 0) + 1;
    const seen = round.seenAt - d.sentAt;
    add('1 delivery → EXISTS seen by the watcher', seen);
    if (round.selected !== undefined) add('2a → round started', seen + round.selected);
    if (round.slot !== undefined) add('2b → round slot taken', seen + round.slot);
    if (round.picked !== undefined) add('2 → job taken by a worker', seen + round.picked);
    if (round.leased !== undefined) add('3 → sync lease held', seen + round.leased);
    if (round.session !== undefined) add('4 → IMAP session ready', seen + round.session);
    if (d.listedAt !== null) add('5 → listed (seen by the bench)', d.listedAt - d.sentAt);
    if (round.synced !== undefined) add('6 → round over', seen + round.synced);
    add('7 → lease released', seen + round.done);
  }
  const lines = [
    `breakdown (ms after delivery; ${matched}/${deliveries.length} deliveries matched to their round; via ${Object.entries(
      vias,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}):`,
  ];
  for (const step of Object.keys(steps).sort())
    lines.push(
      `  ${step.slice(step.indexOf(' ') + 1).padEnd(40)} p50 ${percentile(steps[step]!, 0.5).toFixed(0).padStart(6)}  p99 ${percentile(steps[step]!, 0.99).toFixed(0).padStart(6)}`,
    );
  return lines;
};

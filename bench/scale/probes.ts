// One message per mailbox, delivered into its Inbox through the emulator over a stretch of time, and the
// moment each one is listed: its row committed in Mailroom's messages table, which is what the API lists
// (a sample is then read back through the API as its owner).
import type { Db } from '../../src/db/database.ts';

export interface Probe {
  readonly index: number;
  readonly address: string;
  readonly subject: string;
  sentAt: number;
  listedAt: number | null;
}

const probeMessage = (address: string, subject: string, id: string): string =>
  [
    'From: Scale bench <bench@example.net>',
    `To: ${address}`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${id}@bench.mailroom.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'One message for each mailbox, to time delivery to listing.',
    '',
  ].join('\r\n');

/**
 * fetch, sent again after a connection reset: the emulator's HTTP server closes an idle keep-alive socket
 * as the client reuses it (measured: ECONNRESET for one of 1,000 seeds). A probe delivered twice is still
 * one subject, listed once.
 */
export const fetchRetrying = async (url: string, init: RequestInit): Promise<Response> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 3 || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw error;
    }
  }
};

/**
 * Delivers probe `round` to every address, evenly over `overMs`: the probes at once (each `sentAt` set as
 * it goes), and a promise that resolves once all are delivered.
 */
export const deliverProbes = (
  controlApi: string,
  addresses: readonly string[],
  round: string,
  overMs: number,
): { probes: Probe[]; delivered: Promise<void> } => {
  const started = performance.now();
  const probes: Probe[] = addresses.map((address, index) => ({
    index,
    address,
    subject: `Scale probe ${round} ${index}`,
    sentAt: 0,
    listedAt: null,
  }));
  const delivered = Promise.all(
    probes.map(async (probe) => {
      const due = started + (probe.index * overMs) / probes.length;
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
      probe.sentAt = performance.now();
      const res = await fetchRetrying(`${controlApi}/mail/seed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          address: probe.address,
          messages: [probeMessage(probe.address, probe.subject, `${round}-${probe.index}`)],
        }),
      });
      if (res.status !== 201) throw new Error(`seeding ${probe.address}: ${res.status} ${await res.text()}`);
    }),
  ).then(() => undefined);
  return { probes, delivered };
};

/**
 * Polls the messages table every 50 ms, while the probes are being delivered (a probe listed before the
 * last delivery is timed then, not when all are delivered), until every probe of the round is listed or
 * `timeoutMs` passed since the last delivery; returns how many are still missing.
 */
export const awaitListed = async (
  db: Db,
  round: string,
  run: { probes: readonly Probe[]; delivered: Promise<void> },
  timeoutMs: number,
): Promise<number> => {
  const { probes } = run;
  let deliveredAll = false;
  const delivered = run.delivered.then(() => {
    deliveredAll = true;
  });
  // A failed delivery ends the polling; it is thrown below.
  delivered.catch(() => {
    deliveredAll = true;
  });
  const bySubject = new Map(probes.map((p) => [p.subject, p]));
  let missing = probes.length;
  const lastSent = () => Math.max(...probes.map((p) => p.sentAt));
  // Looked at once at least, however late the call (its deadline counts from the last delivery).
  for (
    let first = true;
    missing > 0 && (first || !deliveredAll || performance.now() - lastSent() < timeoutMs);
    first = false
  ) {
    const rows = await db
      .selectFrom('messages')
      .select('subject')
      .where('subject', 'like', `Scale probe ${round} %`)
      .execute();
    const now = performance.now();
    for (const row of rows) {
      const probe = bySubject.get(row.subject);
      if (probe && probe.listedAt === null && probe.sentAt > 0) {
        probe.listedAt = now;
        missing--;
      }
    }
    if (missing > 0) await new Promise((r) => setTimeout(r, 50));
  }
  await delivered;
  return missing;
};

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;

export const latencySummary = (probes: readonly Probe[]) => {
  const ms = probes
    .filter((p) => p.listedAt !== null)
    .map((p) => p.listedAt! - p.sentAt)
    .sort((a, b) => a - b);
  return {
    listed: ms.length,
    missing: probes.length - ms.length,
    p50: percentile(ms, 0.5),
    p99: percentile(ms, 0.99),
    max: ms.at(-1) ?? Number.NaN,
  };
};

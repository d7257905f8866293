// bench/parse-threads.ts: what the message parser's threads cost in memory, apart from the sync. The built
// parse pool (dist/, plain JavaScript threads as `mailroom worker` runs them) reads generated ~4 KB
// messages 64 at a time, as the parse queue hands them out; this process's RSS is read from /proc before the
// threads start, with them started and idle, its peak while they read, and after they have been idle long
// enough to end (PARSE_THREAD_IDLE_MS, parse-pool.ts).
// Run: npx tsx bench/parse-threads.ts [messages] [threads]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateMessage } from '../emulator/mail/seed.ts';
import { ensureBuilt, ROOT } from './sync/built.ts';
import { mb, procMemory, resetPeak } from './sync/proc.ts';

const count = Number(process.argv[2] ?? 5000);
const threads = Number(process.argv[3] ?? 2);
/** Messages a round of the parse queue hands to the pool (BATCH in parse-queue.ts). */
const BATCH = 64;

ensureBuilt();
const { createParsePool, PARSE_THREAD_IDLE_MS } = (await import(
  join(ROOT, 'dist/src/messages/parse-pool.js')
)) as typeof import('../src/messages/parse-pool.ts');
const { createFileBlobStore } = (await import(
  join(ROOT, 'dist/src/messages/blob-store.js')
)) as typeof import('../src/messages/blob-store.ts');

const dir = mkdtempSync(join(tmpdir(), 'mailroom-parse-threads-'));
const rss = () => procMemory(process.pid).rss;
const sources = Array.from({ length: count }, (_, n) =>
  generateMessage(n, { to: 'megan@contoso.test', date: new Date(Date.UTC(2026, 10, 1) + n * 60_000) }),
);
const items = sources.map((source, n) => ({ messageId: `m${n}`, source, blobSha256: null }));
try {
  const blobDir = join(dir, 'blobs');
  const pool = createParsePool({ workers: threads, blobDir, blobs: createFileBlobStore(blobDir) });
  await sleep(1000);
  const before = rss();
  await pool.parse(items.slice(0, threads * 8));
  await sleep(2000);
  const started = rss();
  resetPeak(process.pid);
  const began = performance.now();
  const cpu = process.cpuUsage();
  for (let at = 0; at < items.length; at += BATCH) {
    const outcomes = await pool.parse(items.slice(at, at + BATCH));
    const failed = outcomes.filter((o) => 'error' in o);
    if (failed.length > 0) throw new Error(`${failed.length} messages failed: ${JSON.stringify(failed[0])}`);
  }
  const ms = performance.now() - began;
  const used = process.cpuUsage(cpu);
  const peak = procMemory(process.pid).peak;
  await sleep(500);
  const after = rss();
  const idleMs = PARSE_THREAD_IDLE_MS;
  await sleep(idleMs + 2000);
  const rested = rss();
  console.log(`${count} messages of ~4 KB, ${threads} parse threads (dist/), ${BATCH} a round`);
  console.log(
    `read: ${((count / ms) * 1000).toFixed(0)} msg/s; CPU ${((used.user + used.system) / 1000).toFixed(0)} ms`,
  );
  console.log(
    `RSS: before the threads ${mb(before)} MB; threads started, idle ${mb(started)} MB (+${mb(started - before)}); peak while reading ${mb(peak)} MB (+${mb(peak - before)}); just after ${mb(after)} MB; idle ${((idleMs + 2000) / 1000).toFixed(0)} s later ${mb(rested)} MB (+${mb(rested - before)}), ${pool.threads()} parse threads running`,
  );
  await pool.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

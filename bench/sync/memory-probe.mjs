// Loaded into the syncing process with `node --import` by bench/sync.ts --memory-log=<file> (plain JavaScript:
// the process runs without tsx): every 100 ms, one JSON line of its main thread's memory (process.memoryUsage
// and V8's heap spaces) appended to the file. What the RSS holds beyond these is native memory and the
// threads' (their heaps are not the main thread's to read). With BENCH_GC_EVERY_MS=<ms> and
// BENCH_NODE_OPTIONS=--expose-gc, a full collection every <ms>, logged before and after as `gc: true` lines:
// how much of the main thread's heap and ArrayBuffers is live and how much only not yet collected.
import { appendFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const file = process.env.BENCH_MEMORY_LOG;
if (file) {
  const started = Date.now();
  setInterval(() => {
    const spaces = Object.fromEntries(
      getHeapSpaceStatistics().map((s) => [s.space_name, Math.round(s.space_size / 1e5) / 10]),
    );
    appendFileSync(
      file,
      `${JSON.stringify({ ms: Date.now() - started, ...process.memoryUsage(), spacesMb: spaces })}\n`,
    );
  }, 100).unref();
  if (process.env.BENCH_GC_EVERY_MS && globalThis.gc) {
    setInterval(() => {
      const before = process.memoryUsage();
      globalThis.gc();
      const after = process.memoryUsage();
      appendFileSync(file, `${JSON.stringify({ ms: Date.now() - started, gc: true, before, after })}\n`);
    }, Number(process.env.BENCH_GC_EVERY_MS)).unref();
  }
}

// Loaded into the syncing process with `node --import` by bench/sync.ts --memory-log=<file> (plain JavaScript:
// the process runs without tsx): every 100 ms, one JSON line of its main thread's memory (process.memoryUsage
// and V8's heap spaces) appended to the file. What the RSS holds beyond these is native memory and the
// threads' (their heaps are not the main thread's to read).
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
}

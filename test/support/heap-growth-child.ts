// Run by test/app/heap-growth.test.ts in a node started with --heap-growing-percent=20: churns the same
// amount of old-generation garbage in phases (none listing, two listings, one of them ended, both ended)
// and prints how many full collections (Mark-Compact) V8 made in each, as JSON.
import { type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { growHeapFasterWhileListing, LISTING_HEAP_GROWING_PERCENT } from '../../src/threads/heap-growth.ts';

const MAJOR = 4; // perf_hooks' NODE_PERFORMANCE_GC_MAJOR
const majors: number[] = [];
const take = (entries: readonly PerformanceEntry[]) => {
  for (const entry of entries)
    if ((entry as { detail?: { kind?: number } }).detail?.kind === MAJOR) majors.push(entry.startTime);
};
const observer = new PerformanceObserver((list) => take(list.getEntries()));
observer.observe({ entryTypes: ['gc'] });

// ~32 MB kept alive, replaced piece by piece: each replaced piece is old-generation garbage.
const kept: number[][] = new Array(2000);
let next = 0;
const churn = (megabytes: number) => {
  for (let n = 0; n < megabytes * 64; n++) kept[next++ % kept.length] = new Array(2000).fill(n);
};

churn(64); // the ring filled
const bounds: number[] = [performance.now()];
churn(300);
bounds.push(performance.now());
const first = growHeapFasterWhileListing(LISTING_HEAP_GROWING_PERCENT.sqlite);
const second = growHeapFasterWhileListing(LISTING_HEAP_GROWING_PERCENT.sqlite);
churn(300);
bounds.push(performance.now());
first();
first(); // ending twice ends once
churn(300);
bounds.push(performance.now());
second();
churn(300);
bounds.push(performance.now());
// node hands a collection's entry to JavaScript on the loop's next turn (an immediate); what is still in the
// observer's buffer after it is taken here.
setImmediate(() => {
  take(observer.takeRecords());
  const counts = bounds.slice(1).map((end, i) => majors.filter((t) => t >= bounds[i]! && t < end).length);
  process.stdout.write(`${JSON.stringify({ counts, kept: kept.length })}\n`);
});

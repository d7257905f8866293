// Sums a .cpuprofile's self time by function (and by file), the largest first:
//   npx tsx bench/scale/profile-summary.ts <file.cpuprofile> [top=40]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: npx tsx bench/scale/profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
});
const short = (url: string) =>
  url.replace(/^.*\/node_modules\//, '~/').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let busy = 0;
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const fn = `${functionName || '(anonymous)'} ${short(url)}:${lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  const f = url ? short(url).replace(/^(~\/[^/]+)\/.*$/, '$1') : functionName;
  byFile.set(f, (byFile.get(f) ?? 0) + us);
  if (functionName !== '(idle)') busy += us;
}
const seconds = (profile.endTime - profile.startTime) / 1e6;
console.log(
  `${file}: ${seconds.toFixed(1)} s, busy ${(busy / 1e6).toFixed(2)} s = ${(busy / 1e4 / seconds).toFixed(2)} % of a core`,
);
const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `${(us / 1e4 / seconds).toFixed(3).padStart(7)} %  ${(us / 1e3).toFixed(0).padStart(6)} ms  ${k}`,
    );
};
// Inclusive time of Mailroom's own functions and of packages' entry points (pg-boss, kysely, pg…): every
// distinct frame on a sample's stack counts its time once.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
    if (!url) continue;
    const s = short(url);
    const key = s.startsWith('~/')
      ? s.replace(/^(~\/(@[^/]+\/)?[^/]+)\/.*$/, '$1')
      : `${functionName || '(anonymous)'} ${s}:${lineNumber + 1}`;
    seen.add(key);
  }
  for (const key of seen) inclusive.set(key, (inclusive.get(key) ?? 0) + us);
}
show('by package / file (self)', byFile);
show('inclusive (Mailroom functions, packages)', inclusive);
show('by function (self)', byFunction);

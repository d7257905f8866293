// Preloaded (`--import`) into a bench child when MAILROOM_BENCH_CPU_PROF_DIR is set: each SIGUSR2 starts a
// CPU profile (node:inspector) or, when one runs, writes it there as `<name>-<n>.cpuprofile` (open it in
// Chrome DevTools, or sum it with bench/scale/profile-summary.ts). bench/scale/processes.ts sends the
// signals around a measured window, so the profile covers that window alone.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const dir = process.env.MAILROOM_BENCH_CPU_PROF_DIR;
const name = process.env.MAILROOM_BENCH_CPU_PROF_NAME ?? String(process.pid);
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  let written = 0;
  process.on('SIGUSR2', () => {
    const step = running
      ? session.post('Profiler.stop').then(({ profile }) => {
          running = false;
          writeFileSync(join(dir, `${name}-${++written}.cpuprofile`), JSON.stringify(profile));
        })
      : session
          .post('Profiler.enable')
          .then(() => session.post('Profiler.start'))
          .then(() => {
            running = true;
          });
    step.catch((error: unknown) => process.stderr.write(`cpu profile: ${(error as Error).stack}\n`));
  });
}

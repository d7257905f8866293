// The built Mailroom (`npm run build` → dist/), as an operator runs it: plain node, no tsx. Built again when a
// file under src/ or docs/ is newer than dist/src/cli.js (what bin/mailroom checks before it runs dist/), so
// a benchmark never measures stale JavaScript.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The `mailroom` command: runs dist/ with node when it is built from the current src/. */
export const BIN = join(ROOT, 'bin/mailroom');
/** The CLI's entry point in the build. */
export const BUILT_CLI = join(ROOT, 'dist/src/cli.js');

const newestUnder = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs);
  }, 0);

/** Runs `npm run build` when dist/ is missing or older than src/ or docs/; returns whether it built. */
export const ensureBuilt = (): boolean => {
  const newest = Math.max(newestUnder(join(ROOT, 'src')), newestUnder(join(ROOT, 'docs')));
  if (existsSync(BUILT_CLI) && statSync(BUILT_CLI).mtimeMs >= newest) return false;
  process.stderr.write('building dist/ (npm run build): src/ or docs/ is newer than dist/\n');
  const run = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
  if (run.status !== 0) throw new Error(`npm run build failed (${run.status ?? run.signal})`);
  return true;
};

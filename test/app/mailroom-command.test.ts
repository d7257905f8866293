import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { workerModule } from '../../src/threads/thread-pool.ts';

/**
 * bin/mailroom in a checkout of its own (a temporary folder): its dist/src/cli.js and its tsx stand-in print
 * what they were started with, so the test sees which one ran and with what, without a build.
 */
const checkout = () => {
  const root = mkdtempSync(join(tmpdir(), 'mailroom-command-'));
  for (const dir of ['bin', 'dist/src', 'src', 'docs', 'node_modules/.bin'])
    mkdirSync(join(root, dir), { recursive: true });
  copyFileSync(new URL('../../bin/mailroom', import.meta.url), join(root, 'bin/mailroom'));
  writeFileSync(
    join(root, 'dist/src/cli.js'),
    'console.log(JSON.stringify({ ran: "dist", argv: process.argv.slice(2), nodeOptions: process.env.NODE_OPTIONS, flags: process.execArgv, arenas: process.env.MALLOC_ARENA_MAX }));\n',
  );
  writeFileSync(join(root, 'src/cli.ts'), '');
  writeFileSync(
    join(root, 'node_modules/.bin/tsx'),
    '#!/usr/bin/env node\nconsole.log(JSON.stringify({ ran: "tsx", argv: process.argv.slice(2) }));\n',
  );
  chmodSync(join(root, 'node_modules/.bin/tsx'), 0o755);
  const age = (path: string, secondsAgo: number) => {
    const at = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(root, path), at, at);
  };
  const run = (env: Record<string, string> = {}) => {
    const result = spawnSync(join(root, 'bin/mailroom'), ['worker'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as {
      ran: string;
      argv: string[];
      nodeOptions?: string;
      flags?: string[];
      arenas?: string;
    };
  };
  return { root, age, run };
};

describe('the mailroom command', () => {
  const roots: string[] = [];
  after(() => {
    for (const root of roots) rmSync(root, { recursive: true, force: true });
  });

  test('runs the build with node when it is newer than every source file, young generation capped', () => {
    const { root, age, run } = checkout();
    roots.push(root);
    age('src/cli.ts', 60);
    age('dist/src/cli.js', 10);
    const ran = run();
    assert.equal(ran.ran, 'dist');
    assert.deepEqual(ran.argv, ['worker']);
    assert.equal(ran.nodeOptions, '--max-semi-space-size=2');
    // The old generation grows in small steps, collected on the main thread; MAILROOM_NODE_FLAGS replaces
    // that (empty: none).
    assert.deepEqual(ran.flags, ['--heap-growing-percent=20', '--single-threaded-gc']);
    assert.deepEqual(run({ MAILROOM_NODE_FLAGS: '' }).flags, []);
    // Two malloc arenas for all the threads, unless the operator sets it.
    assert.equal(ran.arenas, '2');
    assert.equal(run({ MALLOC_ARENA_MAX: '8' }).arenas, '8');
    assert.deepEqual(run({ MAILROOM_NODE_FLAGS: '--heap-growing-percent=50 --no-opt' }).flags, [
      '--heap-growing-percent=50',
      '--no-opt',
    ]);
    // The operator's own NODE_OPTIONS come after, so theirs win.
    assert.equal(
      run({ NODE_OPTIONS: '--max-semi-space-size=8' }).nodeOptions,
      '--max-semi-space-size=2 --max-semi-space-size=8',
    );
  });

  test('runs the source with tsx when a source file changed since the build, or nothing is built', () => {
    const { root, age, run } = checkout();
    roots.push(root);
    age('dist/src/cli.js', 60);
    age('src/cli.ts', 10);
    assert.deepEqual(run(), {
      ran: 'tsx',
      argv: ['--heap-growing-percent=20', '--single-threaded-gc', join(root, 'src/cli.ts'), 'worker'],
    });
    rmSync(join(root, 'dist'), { recursive: true });
    assert.equal(run().ran, 'tsx');
  });
});

describe('where a thread finds its module', () => {
  test('built, a thread imports the JavaScript beside the pool and nothing of tsx', () => {
    const source = workerModule('file:///srv/mailroom/dist/src/messages/parse-pool.js', 'parse-worker');
    assert.equal(source, 'import("file:///srv/mailroom/dist/src/messages/parse-worker.js")');
  });

  test('from source, a thread registers tsx before importing the TypeScript', () => {
    const source = workerModule('file:///srv/mailroom/src/messages/parse-pool.ts', 'parse-worker');
    assert.match(source, /tsx\.register\(\)/);
    assert.match(source, /"file:\/\/\/srv\/mailroom\/src\/messages\/parse-worker\.ts"/);
  });
});

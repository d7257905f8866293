// `npm run emulator -- --users N`: the emulator starts with N more users and mailboxes and says so in its
// JSON, and they sign in.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { DEMO } from '../../emulator/state/demo-seed.ts';

test('--users 5 --json: five users made at start, described in the JSON', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'emulator/cli.ts', '--json', '--no-mail', '--users', '5'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the emulator exited with ${code}`)));
    });
    const described = JSON.parse(line);
    assert.deepEqual(
      { ...described.bulkUsers, ms: typeof described.bulkUsers.ms },
      {
        count: 5,
        first: `user1@${DEMO.domain}`,
        last: `user5@${DEMO.domain}`,
        password: 'Scale-user-1',
        ms: 'number',
      },
    );
    const state = (await (await fetch(`${described.controlApi}/state`)).json()) as {
      users: { upn: string }[];
      mailboxes: { address: string }[];
    };
    assert.ok(state.users.some((u: { upn: string }) => u.upn === `user5@${DEMO.domain}`));
    assert.ok(state.mailboxes.some((m: { address: string }) => m.address === `user5@${DEMO.domain}`));
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('--users refuses what is not a number of users', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'emulator/cli.ts', '--no-mail', '--users', 'many'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 1);
  assert.match(stderr, /--users expects a number/);
});

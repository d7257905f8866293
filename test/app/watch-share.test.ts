import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openingLimiter } from '../../src/watch/opening.ts';
import { planShare, RELEASE_STEP, shareKeeper } from '../../src/watch/share.ts';
import type { WatchableRow } from '../../src/watch/watchable.ts';
import { capturingLog } from '../support/capturing-log.ts';

const rows = (holders: readonly (string | null)[]): WatchableRow[] =>
  holders.map((holder, i) => ({ id: `m${i}`, state: 'connected', holder, lastCheckedAt: '' }));
const held = (list: readonly WatchableRow[], owner: string) =>
  new Set(list.filter((r) => r.holder === owner).map((r) => r.id));
const base = { max: 1000, lastFree: new Set<string>(), givenUp: new Set<string>(), holdShare: false };

describe('sharing the watches (pure)', () => {
  test('a worker holding all gives up a few at a time to one that joined; the joiner claims nothing free', () => {
    const all = rows(Array(200).fill('a'));
    const plan = planShare({ ...base, rows: all, workers: 2, watching: held(all, 'a') });
    assert.equal(plan.release.length, RELEASE_STEP, 'a step, not the whole excess at once');
    assert.equal(plan.claim.length, 0);
    const joiner = planShare({ ...base, rows: all, workers: 2, watching: new Set() });
    assert.deepEqual(joiner.release, []);
    assert.deepEqual(joiner.claim, []);
  });

  test('the last step leaves the share plus a slack; nothing moves once both are within it', () => {
    const list = rows([...Array(106).fill('a'), ...Array(94).fill('b')]);
    // Share 100, slack 5: A gives up one more.
    assert.equal(planShare({ ...base, rows: list, workers: 2, watching: held(list, 'a') }).release.length, 1);
    const even = rows([...Array(104).fill('a'), ...Array(96).fill('b')]);
    assert.deepEqual(planShare({ ...base, rows: even, workers: 2, watching: held(even, 'a') }).release, []);
  });

  test('no release while a mailbox is free (the last batch not taken yet), nor when held back', () => {
    const list = rows([...Array(199).fill('a'), null]);
    assert.deepEqual(planShare({ ...base, rows: list, workers: 2, watching: held(list, 'a') }).release, []);
    const full = rows(Array(200).fill('a'));
    const plan = planShare({ ...base, rows: full, workers: 2, watching: held(full, 'a'), holdShare: true });
    assert.deepEqual(plan.release, []);
  });

  test('claims: an even share at once, left-overs a rescan later, never what it gave up nor over its cap', () => {
    const free = rows(Array(10).fill(null));
    const first = planShare({ ...base, rows: free, workers: 2, watching: new Set() });
    assert.equal(first.claim.length, 5);
    const later = planShare({ ...base, rows: free, workers: 2, watching: new Set(), lastFree: first.free });
    assert.equal(later.claim.length, 10, 'still free a rescan later: nobody else wanted them');
    const givenUp = new Set(['m0', 'm1']);
    const kept = planShare({ ...base, rows: free, workers: 1, watching: new Set(), givenUp });
    assert.ok(kept.claim.every((id) => !givenUp.has(id)));
    assert.equal(kept.claim.length, 8);
    assert.equal(planShare({ ...base, rows: free, workers: 1, watching: new Set(), max: 3 }).claim.length, 3);
  });

  test('a release nobody takes holds the share until the live workers change or a minute passes', () => {
    const { log, lines } = capturingLog();
    let now = 0;
    const keeper = shareKeeper({ log }, 2_000, () => now);
    const all = rows(Array(40).fill('a'));
    const mine = held(all, 'a');
    const released = keeper.plan({ rows: all, workers: 2, watching: mine, max: 1000 }).release;
    assert.equal(released.length, RELEASE_STEP);
    assert.ok(lines.some((l) => l.event === 'watch.rebalanced'));
    // Nobody takes them: they stay free past the hold-back, and the worker takes them back.
    const untaken = all.map((r) => (released.includes(r.id) ? { ...r, holder: null } : r));
    for (const id of released) mine.delete(id);
    now = 11_000;
    const again = keeper.plan({ rows: untaken, workers: 2, watching: mine, max: 1000 });
    assert.ok(lines.some((l) => l.event === 'watch.share_held'));
    assert.deepEqual(again.release, []);
    now = 11_500;
    const back = keeper.plan({ rows: untaken, workers: 2, watching: mine, max: 1000 });
    assert.equal(back.claim.length, RELEASE_STEP, 'free for two rescans: takes its given-up mailboxes back');
    now = 12_000;
    assert.deepEqual(keeper.plan({ rows: all, workers: 2, watching: held(all, 'a'), max: 1000 }).release, []);
    // A minute later it tries again.
    now = 72_000;
    assert.equal(
      keeper.plan({ rows: all, workers: 2, watching: held(all, 'a'), max: 1000 }).release.length,
      16,
    );
    // A third worker joins: the share changes, releases go on.
    now = 73_000;
    assert.equal(
      keeper.plan({ rows: all, workers: 3, watching: held(all, 'a'), max: 1000 }).release.length,
      16,
    );
  });

  test('session openings: in order, 16 at once, more when many wait, never over 48', async () => {
    const opening = openingLimiter();
    let peak = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const runs = Array.from({ length: 300 }, (_, i) =>
      opening(async () => {
        order.push(i);
        peak = Math.max(peak, opening.running());
        await new Promise<void>((resolve) => gates.push(resolve));
      }),
    );
    while (order.length < 300) {
      await new Promise((r) => setImmediate(r));
      for (const open of gates.splice(0)) open();
    }
    await Promise.all(runs);
    assert.deepEqual(
      order,
      Array.from({ length: 300 }, (_, i) => i),
    );
    assert.ok(peak > 16 && peak <= 48, `peak ${peak}`);
    const few = openingLimiter();
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        few(async () => {
          most = Math.max(most, few.running());
          await new Promise((r) => setImmediate(r));
        }),
      ),
    );
    assert.equal(most, 16, 'twenty waiting: the base');
  });
});

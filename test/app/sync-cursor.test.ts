import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newUidBatches, planSync, uidSet, vanished } from '../../src/transports/imap-smtp/cursor.ts';

test('planSync: first sync, incremental, nothing new, UIDVALIDITY change, CONDSTORE', () => {
  const server = { uidValidity: 7, uidNext: 101, exists: 100, highestModseq: null };
  assert.deepEqual(planSync(null, server), {
    reset: false,
    fetchFrom: 1,
    hasNew: true,
    flags: { kind: 'none' },
  });
  assert.deepEqual(planSync({ uidValidity: 7, uidNext: 51, highestModseq: null }, server), {
    reset: false,
    fetchFrom: 51,
    hasNew: true,
    flags: { kind: 'rescan' },
  });
  assert.equal(planSync({ uidValidity: 7, uidNext: 101, highestModseq: null }, server).hasNew, false);
  assert.deepEqual(planSync({ uidValidity: 6, uidNext: 400, highestModseq: null }, server), {
    reset: true,
    fetchFrom: 1,
    hasNew: true,
    flags: { kind: 'none' },
  });
  assert.deepEqual(
    planSync({ uidValidity: 7, uidNext: 90, highestModseq: 55n }, { ...server, highestModseq: 60n }).flags,
    {
      kind: 'changedsince',
      modseq: 55n,
    },
  );
  assert.equal(planSync(null, { ...server, exists: 0, uidNext: 1 }).hasNew, false);
});

test('newUidBatches drops the UID that `n:*` always returns, dedupes and splits', () => {
  assert.deepEqual(newUidBatches([40], 50, 10), []);
  assert.deepEqual(newUidBatches([50, 51, 52, 60, 51], 50, 2), [
    [50, 51],
    [52, 60],
  ]);
});

test('uidSet collapses runs', () => {
  assert.equal(uidSet([1, 2, 3, 7, 9, 10]), '1:3,7,9:10');
  assert.equal(uidSet([5]), '5');
  assert.equal(uidSet([]), '');
});

test('vanished lists stored UIDs the server lost', () => {
  assert.deepEqual(vanished([1, 2, 3, 4], new Set([1, 3])), [2, 4]);
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createFileBlobStore } from '../../src/messages/blob-store.ts';
import { createParsePool, type ParseItem } from '../../src/messages/parse-pool.ts';
import { waitFor } from '../support/wait-for.ts';

// The parse pool's memory budget (issue 12: the syncing process under 200 MB): above a resident size, one
// thread reads and the others' jobs wait for it; below it, every thread reads. The process's RSS is the
// test's own number, given to the pool as its `rss`.

const dir = mkdtempSync(join(tmpdir(), 'mailroom-parse-pool-'));
const blobDir = join(dir, 'blobs');
const blobs = createFileBlobStore(blobDir);
const MB = 1_000_000;

const items = (from: number, count: number): ParseItem[] =>
  Array.from({ length: count }, (_, i) => ({
    messageId: `m${from + i}`,
    source: Buffer.from(
      `From: Ada <ada@contoso.test>\r\nSubject: Budget ${from + i}\r\nMessage-ID: <budget-${from + i}@contoso.test>\r\n\r\nBody ${from + i}.\r\n`,
    ),
    blobSha256: null,
  }));

const allRead = (outcomes: readonly object[], count: number) => {
  assert.equal(outcomes.length, count);
  assert.ok(outcomes.every((o) => 'parsed' in o));
};

describe('the parse pool under a memory budget', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('above the budget one thread reads every job; below it, both threads read', async () => {
    let rss = 180 * MB;
    const pool = createParsePool({ workers: 2, blobDir, blobs, oneThreadAboveRss: 150 * MB, rss: () => rss });
    try {
      allRead(await pool.parse(items(0, 64)), 64);
      assert.equal(pool.threads(), 1);
      rss = 120 * MB;
      allRead(await pool.parse(items(64, 64)), 64);
      assert.equal(pool.threads(), 2);
    } finally {
      await pool.close();
    }
  });

  test('a second thread over the budget gets no more work and ends when idle; the first reads on', async () => {
    let rss = 120 * MB;
    const pool = createParsePool({
      workers: 2,
      blobDir,
      blobs,
      idleMs: 100,
      oneThreadAboveRss: 150 * MB,
      rss: () => rss,
    });
    try {
      allRead(await pool.parse(items(200, 64)), 64);
      assert.equal(pool.threads(), 2);
      rss = 180 * MB;
      // Kept busy past the other's idle time: only the first thread takes these jobs.
      const until = Date.now() + 500;
      for (let n = 0; Date.now() < until; n++) allRead(await pool.parse(items(300 + n * 16, 16)), 16);
      await waitFor(async () => pool.threads() === 1, 5000, 'the second thread ended');
      allRead(await pool.parse(items(2000, 64)), 64);
      assert.equal(pool.threads(), 1);
    } finally {
      await pool.close();
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastPerPlace, type Place, PlaceMap } from '../../src/messages/place-map.ts';
import { timeOrderedIds } from '../../src/messages/store-listed.ts';

// The listing looks up each copy of a batch by its place (mailbox, folder, UIDVALIDITY, UID) without a key
// string per look-up, and names new rows with ids written as one string each (issue 12: what a batch holds
// until it commits is copied into V8's old generation with it).

const place = (mailboxId: string, path: string, uidValidity: number, uid: number): Place => ({
  mailboxId,
  path,
  uidValidity,
  uid,
});

test('a place map tells places apart by each of their four parts', () => {
  const map = new PlaceMap<string>();
  map.set(place('m1', 'INBOX', 7, 1), 'a');
  map.set(place('m1', 'INBOX', 7, 2), 'b');
  map.set(place('m1', 'INBOX', 8, 1), 'c');
  map.set(place('m1', 'Sent', 7, 1), 'd');
  map.set(place('m2', 'INBOX', 7, 1), 'e');
  assert.equal(map.size, 5);
  assert.equal(map.get(place('m1', 'INBOX', 7, 1)), 'a');
  assert.equal(map.get(place('m1', 'INBOX', 7, 2)), 'b');
  assert.equal(map.get(place('m1', 'INBOX', 8, 1)), 'c');
  assert.equal(map.get(place('m1', 'Sent', 7, 1)), 'd');
  assert.equal(map.get(place('m2', 'INBOX', 7, 1)), 'e');
  for (const missing of [
    place('m1', 'INBOX', 7, 3),
    place('m3', 'INBOX', 7, 1),
    place('m1', 'Archive', 7, 1),
  ]) {
    assert.equal(map.get(missing), undefined);
    assert.equal(map.has(missing), false);
  }
  // A path is a name, not a pattern: no two paths share an entry.
  assert.equal(map.has(place('m1', 'inbox', 7, 1)), false);
  map.set(place('m1', 'INBOX', 7, 1), 'a2');
  assert.equal(map.size, 5, 'setting a place again replaces its value');
  assert.equal(map.get(place('m1', 'INBOX', 7, 1)), 'a2');
});

test('one item per place: in the order each place was first met, its last item kept', () => {
  const items = [
    { at: place('m1', 'INBOX', 7, 1), n: 1 },
    { at: place('m1', 'INBOX', 7, 2), n: 2 },
    { at: place('m1', 'INBOX', 7, 1), n: 3 },
    { at: place('m2', 'INBOX', 7, 1), n: 4 },
    { at: place('m1', 'INBOX', 7, 2), n: 5 },
  ];
  assert.deepEqual(
    lastPerPlace(items, (i) => i.at).map((i) => i.n),
    [3, 5, 4],
  );
  assert.deepEqual(
    lastPerPlace([], (i: { at: Place }) => i.at),
    [],
  );
});

test('listed rows get version 7 UUIDs: the time first, unique, and later batches after earlier ones', () => {
  const layout = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const at = Date.UTC(2026, 11, 5, 1, 30);
  const first = timeOrderedIds(1000, at);
  assert.equal(first.length, 1000);
  for (const id of first) assert.match(id, layout);
  assert.equal(first[0]!.replaceAll('-', '').slice(0, 12), at.toString(16).padStart(12, '0'));
  assert.equal(new Set([...first, ...timeOrderedIds(1000, at)]).size, 2000, 'no id twice');
  const later = timeOrderedIds(10, at + 1);
  assert.ok(
    later.every((id) => first.every((earlier) => id > earlier)),
    'ordered by time in the index',
  );
  assert.deepEqual(timeOrderedIds(0), []);
  // The variant's two bits and the random digits vary (74 random bits an id).
  assert.ok(new Set(first.map((id) => id[19])).size > 1);
});

/** An empty map, for a mailbox with no entries. */
const NONE: ReadonlyMap<string, never> = new Map<string, never>();

/**
 * Values by mailbox and id (a Message-ID, a thread), in a map per mailbox rather than under a
 * `mailbox\0id` string made for each entry and look-up: threading looks up each listed message three or
 * four times while its batch commits, and those strings were held with the batch and copied into V8's old
 * generation with it: threading's part of what a listing of 20,000 promoted fell from 5.6 to 2.8 MB
 * (bench/sync.ts `--heap-profile=promoted`, README *Scale*).
 */
export class ByMailbox<V> {
  private readonly maps = new Map<string, Map<string, V>>();

  /** The mailbox's entries (a view: later `set`s of this mailbox show in it once it has any). */
  in(mailboxId: string): ReadonlyMap<string, V> {
    return this.maps.get(mailboxId) ?? NONE;
  }

  get(mailboxId: string, id: string): V | undefined {
    return this.maps.get(mailboxId)?.get(id);
  }

  has(mailboxId: string, id: string): boolean {
    return this.maps.get(mailboxId)?.has(id) ?? false;
  }

  set(mailboxId: string, id: string, value: V): this {
    let map = this.maps.get(mailboxId);
    if (!map) {
      map = new Map();
      this.maps.set(mailboxId, map);
    }
    map.set(id, value);
    return this;
  }

  /** Every entry as [mailbox, id, value], mailbox by mailbox in the order each was first set. */
  *entries(): IterableIterator<[string, string, V]> {
    for (const [mailboxId, map] of this.maps) for (const [id, value] of map) yield [mailboxId, id, value];
  }
}

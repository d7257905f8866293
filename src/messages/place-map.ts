/** Where a copy of a message is: mailbox, folder, UIDVALIDITY, UID. */
export interface Place {
  readonly mailboxId: string;
  readonly path: string;
  readonly uidValidity: number;
  readonly uid: number;
}

/**
 * Values by place, looked up through the place's own four values (nested maps) rather than a key string
 * built for each look-up. The listing looks up every copy of a batch five or six times (stored already?
 * new? its row's id?) while the batch commits: a `mailbox\0path\0uidvalidity\0uid` string per look-up,
 * held in the look-ups' maps until the commit, was copied into the old generation with the batch: 4.6 of
 * the 60 MB a listing of 20,000 promoted there (bench/sync.ts `--heap-profile=promoted`, README *Scale*).
 */
export class PlaceMap<V> {
  private readonly mailboxes = new Map<string, Map<string, Map<number, Map<number, V>>>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(place: Place): V | undefined {
    return this.mailboxes.get(place.mailboxId)?.get(place.path)?.get(place.uidValidity)?.get(place.uid);
  }

  has(place: Place): boolean {
    return this.uids(place, false)?.has(place.uid) ?? false;
  }

  set(place: Place, value: V): this {
    const uids = this.uids(place, true)!;
    if (!uids.has(place.uid)) this.count++;
    uids.set(place.uid, value);
    return this;
  }

  /** The map of a folder's UIDs (UIDVALIDITY included), made when `create`. */
  private uids(place: Place, create: boolean): Map<number, V> | undefined {
    let paths = this.mailboxes.get(place.mailboxId);
    if (!paths) {
      if (!create) return undefined;
      paths = new Map();
      this.mailboxes.set(place.mailboxId, paths);
    }
    let validities = paths.get(place.path);
    if (!validities) {
      if (!create) return undefined;
      validities = new Map();
      paths.set(place.path, validities);
    }
    let uids = validities.get(place.uidValidity);
    if (!uids && create) {
      uids = new Map();
      validities.set(place.uidValidity, uids);
    }
    return uids;
  }
}

/**
 * `items` with one per place, in the order of each place's first item, the last item of a place kept (as
 * a Map keyed by place would keep them).
 */
export const lastPerPlace = <T>(items: readonly T[], placeOf: (item: T) => Place): T[] => {
  const at = new PlaceMap<number>();
  const kept: T[] = [];
  for (const item of items) {
    const place = placeOf(item);
    const index = at.get(place);
    if (index === undefined) {
      at.set(place, kept.length);
      kept.push(item);
    } else kept[index] = item;
  }
  return kept;
};

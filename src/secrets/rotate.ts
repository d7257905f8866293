import type { Db } from '../db/database.ts';
import {
  type RowId,
  readSealedValue,
  replaceIfUnchanged,
  SEALED_COLUMNS,
  type SealedValue,
  sealedValues,
} from './sealed-columns.ts';
import { type SecretBox, SecretBoxError, type SecretsErrorCode } from './secret-box.ts';
import { secretsStatus } from './status.ts';

export interface RotateOptions {
  /**
   * Makes a new key current and returns its id (the data folder's keyring). Absent: the keys come from
   * MAILROOM_SECRET_KEY, whose first key is already current.
   */
  readonly addKey?: () => string;
}

export interface UnreadableValue {
  readonly table: string;
  readonly column: string;
  readonly id: RowId;
  readonly code: 'secrets.unknown_key' | 'secrets.corrupt';
}

export interface RotateResult {
  readonly keyId: string;
  /** Whether this run made `keyId` current (the keyring file) rather than finding it so. */
  readonly newKey: boolean;
  readonly resealed: number;
  /** Values someone else wrote between this run's read and write: left as they wrote them. */
  readonly skipped: number;
  readonly alreadyCurrent: number;
  /** Values still under another key at the end (unreadable ones, or a process still sealing with an old key). */
  readonly remaining: number;
  readonly unreadable: readonly UnreadableValue[];
}

export type ResealOutcome = 'resealed' | 'already_current' | 'skipped';

const ATTEMPTS = 3;
/**
 * A process that sealed a value just before it saw the new key may store it after a pass went by;
 * the next pass re-seals it. Passes stop when one finds nothing to do.
 */
const PASSES = 3;

/** Makes the newest key current, then re-seals every sealed value under it while servers keep running. */
export const rotateSecrets = async (
  db: Db,
  box: SecretBox,
  options: RotateOptions = {},
): Promise<RotateResult> => {
  const added = options.addKey?.();
  if (added !== undefined && box.currentKeyId !== added) {
    throw new SecretBoxError(
      'secrets.keyring_invalid',
      `the keyring's current key is ${box.currentKeyId}, not ${added} that was just added to it`,
    );
  }
  const tally: Tally = { resealed: 0, skipped: 0, alreadyCurrent: 0, unreadable: new Map() };
  for (let pass = 1; pass <= PASSES; pass++) {
    const before = tally.resealed + tally.skipped;
    await resealPass(db, box, tally, pass === 1);
    if (tally.resealed + tally.skipped === before) break;
  }
  const { underOtherKeys } = await secretsStatus(db, box);
  return {
    keyId: box.currentKeyId,
    newKey: added !== undefined,
    resealed: tally.resealed,
    skipped: tally.skipped,
    alreadyCurrent: tally.alreadyCurrent,
    remaining: underOtherKeys,
    unreadable: [...tally.unreadable.values()],
  };
};

interface Tally {
  resealed: number;
  skipped: number;
  alreadyCurrent: number;
  /** By `table.column:id`: a value that cannot be opened is reported once, not retried. */
  readonly unreadable: Map<string, UnreadableValue>;
}

const resealPass = async (db: Db, box: SecretBox, tally: Tally, first: boolean): Promise<void> => {
  for (const column of SEALED_COLUMNS) {
    for await (const value of sealedValues(db, column)) {
      const where = `${column.table}.${column.column}:${value.id}`;
      if (tally.unreadable.has(where)) continue;
      try {
        const outcome = await resealValue(db, box, value);
        if (outcome === 'resealed') tally.resealed++;
        else if (outcome === 'skipped') tally.skipped++;
        else if (first) tally.alreadyCurrent++;
      } catch (error) {
        if (!(error instanceof SecretBoxError) || !isValueError(error.code)) throw error;
        tally.unreadable.set(where, {
          table: column.table,
          column: column.column,
          id: value.id,
          code: error.code,
        });
      }
    }
  }
};

/** The value's own fault (a key no longer configured, damaged data), not the keyring's or the database's. */
const isValueError = (code: SecretsErrorCode): code is UnreadableValue['code'] =>
  code === 'secrets.unknown_key' || code === 'secrets.corrupt';

/**
 * Re-seals one value under the current key unless its row changed since `value` was read. A changed
 * value is read again: under the current key (or gone) it is skipped, else it is re-sealed in turn.
 */
export const resealValue = async (db: Db, box: SecretBox, value: SealedValue): Promise<ResealOutcome> => {
  const { column, id } = value;
  const purpose = column.purpose(id);
  let seen: string | null = value.sealed;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (seen === null) return 'skipped';
    if (box.keyIdOf(seen) === box.currentKeyId) return attempt === 0 ? 'already_current' : 'skipped';
    const next = box.seal(box.open(seen, purpose), purpose);
    if (await replaceIfUnchanged(db, column, id, seen, next)) return 'resealed';
    seen = await readSealedValue(db, column, id);
  }
  // Still changing under us: a later pass sees it again.
  return 'skipped';
};

import type { Db } from '../db/database.ts';
import { SEALED_COLUMNS, sealedValues } from './sealed-columns.ts';
import { type SecretBox, SecretBoxError } from './secret-box.ts';

export interface SealedCount {
  readonly table: string;
  readonly column: string;
  /** `null`: the column holds something that is not a sealed value. */
  readonly keyId: string | null;
  readonly count: number;
}

export interface SecretsStatus {
  readonly currentKeyId: string;
  /** The keys this process can open with, the current one first. */
  readonly keyIds: readonly string[];
  readonly counts: readonly SealedCount[];
  /** Values not under the current key: what a rotation has yet to re-seal. */
  readonly underOtherKeys: number;
}

/** How many sealed values each key id holds, per column (for `mailroom secrets status`). */
export const secretsStatus = async (db: Db, box: SecretBox): Promise<SecretsStatus> => {
  const currentKeyId = box.currentKeyId;
  const counts: SealedCount[] = [];
  for (const column of SEALED_COLUMNS) {
    const byKey = new Map<string | null, number>();
    for await (const { sealed } of sealedValues(db, column)) {
      const keyId = keyIdOrNull(box, sealed);
      byKey.set(keyId, (byKey.get(keyId) ?? 0) + 1);
    }
    for (const [keyId, count] of byKey)
      counts.push({ table: column.table, column: column.column, keyId, count });
  }
  return {
    currentKeyId,
    keyIds: box.keyIds,
    counts,
    underOtherKeys: counts.filter((c) => c.keyId !== currentKeyId).reduce((sum, c) => sum + c.count, 0),
  };
};

const keyIdOrNull = (box: SecretBox, sealed: string): string | null => {
  try {
    return box.keyIdOf(sealed);
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    // Counted and shown as "not a sealed value", not hidden.
    return null;
  }
};

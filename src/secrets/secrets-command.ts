import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { loadSecrets } from './load-key.ts';
import { rotateSecrets } from './rotate.ts';
import { SEALED_COLUMNS } from './sealed-columns.ts';
import { secretsStatus } from './status.ts';

export interface CommandOutput {
  readonly text: string;
  readonly exitCode: number;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `mailroom secrets rotate`: what changed, and what the operator does next. */
export const rotateCommand = async (config: Config, db: Db): Promise<CommandOutput> => {
  const { box, keyring } = loadSecrets(config);
  const result = await rotateSecrets(db, box, keyring ? { addKey: () => keyring.addKey() } : {});
  const lines = [
    keyring
      ? `New key ${result.keyId} is now current (first line of ${keyring.path}); running servers read it from there.`
      : `The current key is ${result.keyId}, the first in MAILROOM_SECRET_KEY.`,
    `Re-sealed ${plural(result.resealed, 'value')} under ${result.keyId}; ${result.alreadyCurrent} already were; ` +
      `${result.skipped} changed while rotating and were left as their writer stored them.`,
    ...result.unreadable.map(
      (u) => `Cannot open ${u.table}.${u.column} of row ${u.id} (${u.code}): it stays as it is.`,
    ),
  ];
  if (result.remaining > 0) {
    lines.push(
      `${plural(result.remaining, 'value is', 'values are')} still under another key: \`mailroom secrets status\` shows which; ` +
        `run \`mailroom secrets rotate\` again once every process runs with ${result.keyId}.`,
    );
  }
  if (!keyring && box.keyIds.length > 1) {
    lines.push(
      'Once every process runs with the new key first, remove the old key from MAILROOM_SECRET_KEY ' +
        '(`mailroom secrets status` shows which keys still hold values).',
    );
  }
  if (!keyring && box.keyIds.length === 1) {
    lines.push(
      'MAILROOM_SECRET_KEY lists one key. To rotate, put a new one (`mailroom secrets generate-key`) first in the list, ' +
        'keep the old one after it, restart, and run this again.',
    );
  }
  return { text: `${lines.join('\n')}\n`, exitCode: result.unreadable.length > 0 ? 1 : 0 };
};

/** `mailroom secrets status`: the keys, and how many sealed values each one holds. */
export const statusCommand = async (config: Config, db: Db): Promise<CommandOutput> => {
  const { box, keyring } = loadSecrets(config);
  const status = await secretsStatus(db, box);
  const known = new Set(status.keyIds);
  const name = (keyId: string | null) =>
    keyId === null ? 'not a sealed value' : known.has(keyId) ? keyId : `${keyId} (no such key configured)`;
  const lines = [
    `Current key: ${status.currentKeyId} (${keyring ? keyring.path : 'MAILROOM_SECRET_KEY'}); ` +
      `keys that open values: ${status.keyIds.join(', ')}.`,
    ...SEALED_COLUMNS.map(({ table, column }) => {
      const counts = status.counts.filter((c) => c.table === table && c.column === column);
      const text = counts.map((c) => `${c.count} under ${name(c.keyId)}`).join(', ');
      return `  ${table}.${column}: ${text || 'none'}`;
    }),
    status.underOtherKeys === 0
      ? 'Every sealed value is under the current key.'
      : `${plural(status.underOtherKeys, 'value is', 'values are')} under another key: \`mailroom secrets rotate\` re-seals them.`,
  ];
  return { text: `${lines.join('\n')}\n`, exitCode: 0 };
};

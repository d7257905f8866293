import type { Config } from '../config.ts';
import { type KeyringFile, openKeyringFile } from './keyring-file.ts';
import { createSecretBox, parseSecretKey, type SecretBox, secretBoxOver } from './secret-box.ts';

export interface LoadedSecrets {
  readonly box: SecretBox;
  /** The data folder's keyring, or `null` when the keys come from MAILROOM_SECRET_KEY. */
  readonly keyring: KeyringFile | null;
}

/**
 * The configured keys (MAILROOM_SECRET_KEY, the first one current), or outside production the data
 * folder's keyring file, generated at first start so a demo needs no setup (see keyring-file.ts).
 */
export const loadSecrets = (config: Config): LoadedSecrets => {
  const [current, ...older] = config.secretKeys.map(parseSecretKey);
  if (current) return { box: createSecretBox(current, older), keyring: null };
  const keyring = openKeyringFile(config.dataDir);
  return { box: secretBoxOver(keyring), keyring };
};

export const loadSecretBox = (config: Config): SecretBox => loadSecrets(config).box;

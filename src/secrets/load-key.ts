import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { createSecretBox, generateSecretKey, parseSecretKey, type SecretBox } from './secret-box.ts';

/**
 * The configured key (MAILROOM_SECRET_KEY), or outside production a key generated once and kept in the
 * data folder (`secret-key`, mode 600) so a demo needs no setup.
 */
export const loadSecretBox = (config: Config): SecretBox => {
  if (config.secretKey) return createSecretBox(parseSecretKey(config.secretKey));
  const file = join(config.dataDir, 'secret-key');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, `${generateSecretKey()}\n`, { mode: 0o600 });
  }
  return createSecretBox(parseSecretKey(readFileSync(file, 'utf8')));
};

import { accessSync, constants, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** Linux's memory file system, where there is one. */
const MEMORY_FS = '/dev/shm';
/**
 * Room it must have: the emulator's Maildirs and Dovecot's indexes (50,000 messages of ~4 KB, the largest
 * folder a benchmark seeds, are ~250 MB); a container's 64 MB /dev/shm is passed over.
 */
const MIN_FREE_BYTES = 1024 ** 3;

/**
 * Where the emulator makes its work folder: in memory when it can, else the temporary folder. Every
 * message seeded or delivered is a file (Maildir), and Dovecot renames and indexes them: on the disk, the
 * file system's journal is shared with whatever else runs, and writing 10,000 Maildir files took
 * 0.7–1.5 s of kernel time on the shared 2-core machine (load 6) against 0.09–0.12 s in /dev/shm, same
 * run. That cost is the rig's, not Mailroom's (whose database stays where its tests put it).
 */
export const workDirBase = (): string => {
  try {
    accessSync(MEMORY_FS, constants.W_OK);
    const fs = statfsSync(MEMORY_FS);
    if (fs.bavail * fs.bsize >= MIN_FREE_BYTES) return MEMORY_FS;
  } catch (error) {
    // Named cases: no /dev/shm (macOS), or not ours to write; anything else is not expected.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'EPERM') throw error;
  }
  return tmpdir();
};

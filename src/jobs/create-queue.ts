import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';
import { createPgBossQueue } from './pg-boss-queue.ts';
import type { JobQueue } from './queue.ts';
import { createSqliteQueue } from './sqlite-queue.ts';

/** The installation's job queue: pg-boss on PostgreSQL, the `jobs` table on SQLite. */
export const createJobQueue = (config: Config, deps: { readonly db: Db; readonly log: Logger }): JobQueue =>
  config.database.kind === 'postgres'
    ? createPgBossQueue(config.database.url, deps)
    : createSqliteQueue(deps);

import type { AppDeps } from '../http/context.ts';

/** What sending needs of the process: the database, keys, Microsoft, mail servers' CAs, the blob store, the HTML sanitiser (a quoted original). */
export type SendDeps = Pick<
  AppDeps,
  'config' | 'db' | 'secrets' | 'fetch' | 'microsoft' | 'log' | 'extraCa' | 'blobs' | 'html' | 'queue'
>;

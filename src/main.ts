import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Config } from './config.ts';
import { type Db, openDatabase } from './db/database.ts';
import { migrateToLatest } from './db/migrate.ts';
import { buildApp } from './http/app.ts';
import type { AppDeps } from './http/context.ts';
import { createSessionStore } from './http/session.ts';
import { createJobQueue } from './jobs/create-queue.ts';
import { createLogger, type Logger } from './log/logger.ts';
import { dataBlobStore } from './messages/blob-store.ts';
import { createJwksCache } from './microsoft/jwks-cache.ts';
import { createMetadataCache } from './microsoft/metadata.ts';
import { createOutboundFetch, type OutboundFetch } from './net/outbound-fetch.ts';
import { createHtmlSanitizer } from './reading/html-sanitizer.ts';
import { loadSecretBox } from './secrets/load-key.ts';

export interface RunningMailroom {
  readonly url: string;
  readonly deps: AppDeps;
  stop(): Promise<void>;
}

/** Opens the database and brings its schema up to date. */
export const openMigratedDatabase = async (config: Config, log: Logger): Promise<Db> => {
  const db = openDatabase(config.database);
  const applied = await migrateToLatest(db);
  if (applied.length > 0) log.info({ event: 'db.migrated', applied }, 'database migrated');
  return db;
};

export interface StartOptions {
  readonly log?: Logger;
  /** Observe calls to Microsoft (bench/signin.ts times them). */
  readonly fetch?: OutboundFetch;
}

/** Everything a process needs, built once from the config (STYLE.md 3): database, keys, caches, stores. */
export const buildDeps = async (config: Config, options: StartOptions = {}): Promise<AppDeps> => {
  const log = options.log ?? createLogger(config.logLevel);
  const db = await openMigratedDatabase(config, log);
  const fetch = options.fetch ?? createOutboundFetch(config);
  return {
    queue: createJobQueue(config, { db, log }),
    config,
    db,
    log,
    secrets: loadSecretBox(config),
    sessions: createSessionStore(config, db, log),
    fetch,
    microsoft: { metadata: createMetadataCache(fetch), jwks: createJwksCache(fetch) },
    extraCa: config.extraCaFile ? [readFileSync(config.extraCaFile, 'utf8')] : null,
    blobs: dataBlobStore(config.dataDir),
    html: createHtmlSanitizer(),
  };
};

/** Wires config → database → HTTP, and listens. */
export const startMailroom = async (config: Config, options: StartOptions = {}): Promise<RunningMailroom> => {
  const deps = await buildDeps(config, options);
  const { db, log } = deps;
  const app = buildApp(deps);
  const server = createAdaptorServer({ fetch: app.fetch });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ event: 'http.listening', url, database: config.database.kind }, 'Mailroom is listening');
  return {
    url,
    deps,
    async stop() {
      await new Promise<void>((resolve) => {
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      });
      await deps.html.close();
      await deps.queue.stop();
      await db.destroy();
    },
  };
};

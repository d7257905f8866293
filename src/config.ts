import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { SECRET_KEY_LIST_PATTERN, splitSecretKeyList } from './secrets/secret-box.ts';

/**
 * Mailroom's whole configuration: one schema over the environment, parsed once at start, frozen.
 * Only main.ts and cli.ts read `process.env`; everything else is handed this object.
 */
const schema = z
  .object({
    MAILROOM_ENV: z.enum(['production', 'development', 'test']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    MAILROOM_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL (leave it unset for SQLite)')
      .optional(),
    MAILROOM_DATABASE_POOL: z.coerce.number().int().min(2).max(200).default(10),
    MAILROOM_DATA_DIR: z.string().min(1).default('./data'),
    MAILROOM_SECRET_KEY: z
      .string()
      .regex(
        SECRET_KEY_LIST_PATTERN,
        'expected "<key id>:<32 bytes in base64>", e.g. from `mailroom secrets generate-key`, or a comma-separated list of them with the current key first',
      )
      .optional(),
    MAILROOM_LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    MAILROOM_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(120),
    MAILROOM_SESSION_MAX_HOURS: z.coerce.number().int().min(1).default(12),
    MAILROOM_EXTRA_CA_FILE: z.string().min(1).optional(),
    MAILROOM_HTTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    MAILROOM_SYNC_INTERVAL_SECONDS: z.coerce.number().int().min(5).default(300),
    MAILROOM_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    MAILROOM_ARRIVAL_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
    MAILROOM_ARRIVAL_SYNC: z.enum(['watch', 'job']).default('watch'),
    MAILROOM_ARRIVAL_ROUNDS: z.coerce.number().int().min(1).max(1024).default(64),
    MAILROOM_IDLE_CONNECTIONS: z.coerce.number().int().min(0).max(10_000).default(100),
    MAILROOM_WATCH_LEASE_SECONDS: z.coerce.number().min(1).max(30).default(15),
    MAILROOM_POLL_SECONDS: z.coerce.number().min(1).max(86_400).default(60),
    MAILROOM_GRAPH_WATCH_SECONDS: z.coerce.number().min(1).max(3600).default(30),
    MAILROOM_SERVE_WORKERS: z.enum(['true', 'false']).default('true'),
    MAILROOM_PARSE_WORKERS: z.coerce.number().int().min(0).max(64).optional(),
    MAILROOM_LEASE_SECONDS: z.coerce.number().min(1).max(300).default(30),
    MAILROOM_SEND_MAX_ATTACHMENTS_MB: z.coerce.number().min(0.001).max(150).default(25),
    MAILROOM_SEND_RETRY_SECONDS: z.coerce.number().min(0.1).max(3600).default(30),
    MAILROOM_SEND_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    MAILROOM_METRICS_TOKEN: z.string().min(16, 'needs at least 16 characters').optional(),
    MAILROOM_ALLOW_CUSTOM_AUTHORITY: z.enum(['true', 'false']).default('false'),
    MAILROOM_WEBHOOKS_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
    MAILROOM_WEBHOOKS_CA_FILE: z.string().min(1).optional(),
    MAILROOM_TRUST_PROXY: z
      .string()
      .max(2000)
      .default('')
      .transform((list) =>
        list
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
            error: 'expected IP addresses or CIDR ranges, comma-separated (e.g. 10.0.0.5 or 10.0.0.0/8)',
          }),
        ),
      ),
  })
  .superRefine((env, ctx) => {
    const ids = splitSecretKeyList(env.MAILROOM_SECRET_KEY ?? '').map((k) => k.split(':')[0]);
    const twice = ids.find((id, i) => ids.indexOf(id) !== i);
    if (twice) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAILROOM_SECRET_KEY'],
        message: `names the key id "${twice}" twice: give each key its own id (the part before the colon)`,
      });
    }
    if (env.MAILROOM_ENV !== 'production') return;
    if (!env.MAILROOM_SECRET_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAILROOM_SECRET_KEY'],
        message: 'is required in production (encrypts secrets and tokens at rest)',
      });
    }
    if (!env.MAILROOM_PUBLIC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAILROOM_PUBLIC_URL'],
        message: 'is required in production (Redirect URIs are built from it)',
      });
    }
  });

export interface Config {
  readonly env: 'production' | 'development' | 'test';
  readonly host: string;
  readonly port: number;
  /** Absolute base URL people and Microsoft reach Mailroom at, without a trailing slash. */
  readonly publicUrl: string;
  readonly database:
    | { readonly kind: 'sqlite'; readonly file: string }
    | {
        readonly kind: 'postgres';
        readonly url: string;
        /** Connections this process may hold (MAILROOM_DATABASE_POOL); pg-boss keeps a pool of its own. */
        readonly pool: number;
      };
  readonly dataDir: string;
  /**
   * Secret. `<key id>:<base64 key>` entries, the first one current (it seals), all of them open; empty
   * lets the data folder's keyring file hold generated keys (not in production).
   */
  readonly secretKeys: readonly string[];
  readonly logLevel: string;
  readonly session: { readonly idleMinutes: number; readonly maxHours: number };
  readonly extraCaFile: string | null;
  readonly httpTimeoutMs: number;
  readonly sync: {
    /** How often every selected folder of every mailbox is swept. */
    readonly intervalSeconds: number;
    readonly concurrency: number;
    /**
     * Inbox syncs at once per process when a watcher sees new mail: short rounds (one folder, a few
     * messages) that mostly wait on the network, so many run beside the full syncs.
     */
    readonly arrivalConcurrency: number;
    /**
     * Where new mail a watcher sees is listed: `watch`, on the watching session itself (no session to
     * open; what came while nobody watched too, by a round as the session opens; a job when that cannot
     * be); `job`, by a `sync-arrival` job in a session of its own.
     */
    readonly arrivalSync: 'watch' | 'job';
    /**
     * Rounds on watching sessions at once per process (`arrivalSync` watch): no session to open, so more
     * than the jobs; a round waits mostly on the IMAP server and the database.
     */
    readonly arrivalRounds: number;
    /** IDLE sessions (one per mailbox Inbox) this worker process may hold: a per-worker cap. */
    readonly idleConnections: number;
    /** A watch lease's lifetime without renewal: a dead worker's mailboxes are watched again after it. */
    readonly watchLeaseSeconds: number;
    /** The longest a connected mailbox no worker watches waits for its next check (a sync). */
    readonly pollSeconds: number;
    /** How often a mailbox read through Microsoft Graph has its Inbox's delta looked at for new mail. */
    readonly graphWatchSeconds: number;
    /** `mailroom serve` also runs the sync workers (small installs); `mailroom worker` always does. */
    readonly inServe: boolean;
    /** Worker threads reading listed messages' bodies (one per core by default; 0: on the main thread). */
    readonly parseWorkers: number;
    /**
     * Lifetime of the leases of background work (sync, sending, token refresh), renewed every third of
     * it: work held by a process that died is taken up again after at most this long.
     */
    readonly leaseMs: number;
  };
  /**
   * The reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed; empty: the client is
   * the socket's peer and the header is ignored.
   */
  readonly trustProxy: readonly string[];
  /** Secret. The bearer token a Prometheus scraper sends; null: only loopback may read /metrics. */
  readonly metricsToken: string | null;
  /**
   * The operator lets administrators name a custom authority or mail server outside this machine (a
   * loopback one, such as the emulator's, is always allowed): the client secret and every mailbox's
   * tokens would go there.
   */
  readonly allowCustomAuthority: boolean;
  readonly webhooks: {
    /**
     * Webhooks may go to private, loopback, link-local and other internal addresses (a receiver on this
     * machine or inside the network). Off by default: an administrator's URL must not reach internal
     * services (SSRF).
     */
    readonly allowPrivate: boolean;
    /**
     * A PEM file of CAs trusted for webhook receivers, beside the system's: a receiver whose certificate a
     * private CA issued. Not MAILROOM_EXTRA_CA_FILE: a CA trusted for Microsoft's hosts vouches for no
     * receiver, and one trusted for receivers for no Microsoft host.
     */
    readonly caFile: string | null;
  };
  readonly send: {
    /** Attachments of one message together, in bytes (Exchange Online's default limit is 25 MB). */
    readonly maxAttachmentBytes: number;
    /** The first retry's wait after a transient failure; each further retry waits twice as long. */
    readonly retrySeconds: number;
    /** Attempts before a message that keeps failing transiently is marked failed. */
    readonly maxAttempts: number;
  };
}

export class ConfigError extends Error {
  readonly code = 'config.invalid';
  constructor(readonly problems: string[]) {
    super(
      `Mailroom cannot start: its configuration is invalid.\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export const parseConfig = (env: Record<string, string | undefined>): Config => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const publicUrl = (e.MAILROOM_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    env: e.MAILROOM_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    database: e.DATABASE_URL
      ? { kind: 'postgres' as const, url: e.DATABASE_URL, pool: e.MAILROOM_DATABASE_POOL }
      : { kind: 'sqlite' as const, file: `${e.MAILROOM_DATA_DIR}/mailroom.db` },
    dataDir: e.MAILROOM_DATA_DIR,
    secretKeys: Object.freeze(e.MAILROOM_SECRET_KEY ? splitSecretKeyList(e.MAILROOM_SECRET_KEY) : []),
    logLevel: e.MAILROOM_LOG_LEVEL,
    session: { idleMinutes: e.MAILROOM_SESSION_IDLE_MINUTES, maxHours: e.MAILROOM_SESSION_MAX_HOURS },
    extraCaFile: e.MAILROOM_EXTRA_CA_FILE ?? null,
    httpTimeoutMs: e.MAILROOM_HTTP_TIMEOUT_MS,
    sync: {
      intervalSeconds: e.MAILROOM_SYNC_INTERVAL_SECONDS,
      concurrency: e.MAILROOM_SYNC_CONCURRENCY,
      arrivalConcurrency: e.MAILROOM_ARRIVAL_CONCURRENCY,
      arrivalSync: e.MAILROOM_ARRIVAL_SYNC,
      arrivalRounds: e.MAILROOM_ARRIVAL_ROUNDS,
      idleConnections: e.MAILROOM_IDLE_CONNECTIONS,
      watchLeaseSeconds: e.MAILROOM_WATCH_LEASE_SECONDS,
      pollSeconds: e.MAILROOM_POLL_SECONDS,
      graphWatchSeconds: e.MAILROOM_GRAPH_WATCH_SECONDS,
      inServe: e.MAILROOM_SERVE_WORKERS === 'true',
      parseWorkers: e.MAILROOM_PARSE_WORKERS ?? availableParallelism(),
      leaseMs: Math.round(e.MAILROOM_LEASE_SECONDS * 1000),
    },
    metricsToken: e.MAILROOM_METRICS_TOKEN ?? null,
    allowCustomAuthority: e.MAILROOM_ALLOW_CUSTOM_AUTHORITY === 'true',
    trustProxy: Object.freeze(e.MAILROOM_TRUST_PROXY),
    webhooks: {
      allowPrivate: e.MAILROOM_WEBHOOKS_ALLOW_PRIVATE === 'true',
      caFile: e.MAILROOM_WEBHOOKS_CA_FILE ?? null,
    },
    send: {
      maxAttachmentBytes: Math.round(e.MAILROOM_SEND_MAX_ATTACHMENTS_MB * 1024 * 1024),
      retrySeconds: e.MAILROOM_SEND_RETRY_SECONDS,
      maxAttempts: e.MAILROOM_SEND_MAX_ATTEMPTS,
    },
  });
};

import type { Context } from 'hono';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../log/logger.ts';
import type { BlobStore } from '../messages/blob-store.ts';
import type { JwksCache } from '../microsoft/jwks-cache.ts';
import type { MetadataCache } from '../microsoft/metadata.ts';
import type { OutboundFetch } from '../net/outbound-fetch.ts';
import type { HtmlSanitizer } from '../reading/html-sanitizer.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { User } from '../users/users.table.ts';
import type { Session, SessionStore } from './session.ts';

/** Everything a route needs, built once in main.ts and passed in (STYLE.md 3). */
export interface AppDeps {
  readonly config: Config;
  readonly db: Db;
  readonly log: Logger;
  readonly secrets: SecretBox;
  readonly sessions: SessionStore;
  readonly fetch: OutboundFetch;
  /** OpenID metadata and signing keys of the configured authority, cached across requests. */
  readonly microsoft: { readonly metadata: MetadataCache; readonly jwks: JwksCache };
  /** CA certificates from MAILROOM_EXTRA_CA_FILE, trusted for Microsoft's endpoints and mail servers only. */
  readonly extraCa: readonly string[] | null;
  /** Attachment content, kept apart from message rows (a folder under the data folder). */
  readonly blobs: BlobStore;
  /** Mail HTML sanitised in worker threads, once per message and view (reading/html-sanitizer.ts). */
  readonly html: HtmlSanitizer;
  /** The job queue: web code enqueues (Sync now), workers run (jobs/workers.ts). */
  readonly queue: JobQueue;
}

export type AppEnv = {
  Variables: {
    session: Session | null;
    user: User | null;
    /** How the request authenticated: a session cookie, an API token, or not at all. */
    auth: 'session' | 'token' | null;
  };
};

export type AppContext = Context<AppEnv>;

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../log/logger.ts';

/**
 * Sessions in the database: a random id in an HttpOnly, SameSite=Lax cookie, only its SHA-256 stored,
 * a new id at sign-in, idle and absolute timeouts (STYLE.md 10; Lucia's guide).
 */
export interface Session {
  readonly idHash: string;
  readonly userId: string | null;
  readonly csrfToken: string;
  data: SessionData;
  readonly createdAt: string;
}

/** A flow's stored state: `state` and `startedAt` (flows.ts), plus what its kind keeps (nonce, verifier…). */
export interface StoredFlow {
  readonly state: string;
  readonly startedAt: number;
}

export interface SessionData {
  flash?: { kind: 'success' | 'error' | 'info'; text: string }[];
  /** Short-lived state of a flow bound to this browser (e.g. Microsoft authorization requests), by kind. */
  flows?: Record<string, StoredFlow | readonly StoredFlow[]>;
}

const storedFlow = z.looseObject({ state: z.string(), startedAt: z.number() });

const sessionDataSchema: z.ZodType<SessionData> = z.object({
  flash: z.array(z.object({ kind: z.enum(['success', 'error', 'info']), text: z.string() })).optional(),
  flows: z.record(z.string(), z.union([storedFlow, z.array(storedFlow)])).optional(),
});

export type SessionDataProblem = 'session.data_invalid';

/**
 * A row's `data`, read through the schema: what does not parse (a hand-edited row, a shape an older
 * version wrote) is no data, and logged, never a failed request.
 */
export const readSessionData = (text: string, log: Logger): SessionData => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    json = undefined;
  }
  const parsed = sessionDataSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  log.warn(
    {
      event: 'session.data_invalid' satisfies SessionDataProblem,
      issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.code}`),
    },
    'a session’s stored data did not parse; it is read as empty',
  );
  return {};
};

export const sessionCookieName = (config: Config): string =>
  config.publicUrl.startsWith('https://') ? '__Host-mailroom_session' : 'mailroom_session';

const hashId = (id: string): string => createHash('sha256').update(id).digest('hex');

const expiry = (config: Config, createdAt: Date, now: Date): string => {
  const idle = now.getTime() + config.session.idleMinutes * 60_000;
  const absolute = createdAt.getTime() + config.session.maxHours * 3_600_000;
  return new Date(Math.min(idle, absolute)).toISOString();
};

export interface SessionStore {
  load(c: Context): Promise<Session | null>;
  /** The browser's session, created (signed out) when it has none. */
  ensure(c: Context): Promise<Session>;
  /** Replaces any session with a new one for the user: a new id at sign-in defeats fixation. */
  signIn(c: Context, userId: string, carry?: SessionData): Promise<Session>;
  end(c: Context): Promise<void>;
  save(session: Session): Promise<void>;
}

export const createSessionStore = (config: Config, db: Db, log: Logger): SessionStore => {
  const cookie = sessionCookieName(config);
  const secure = config.publicUrl.startsWith('https://');

  const create = async (c: Context, userId: string | null, data: SessionData): Promise<Session> => {
    const id = randomBytes(32).toString('base64url');
    const now = new Date();
    const session = {
      idHash: hashId(id),
      userId,
      csrfToken: randomBytes(24).toString('base64url'),
      data,
      createdAt: now.toISOString(),
    };
    await db
      .insertInto('sessions')
      .values({
        id_hash: session.idHash,
        user_id: userId,
        csrf_token: session.csrfToken,
        data: JSON.stringify(data),
        created_at: session.createdAt,
        last_seen_at: session.createdAt,
        expires_at: expiry(config, now, now),
      })
      .execute();
    setCookie(c, cookie, id, {
      httpOnly: true,
      sameSite: 'Lax',
      secure,
      path: '/',
      maxAge: config.session.maxHours * 3600,
    });
    c.set('session', session);
    return session;
  };

  const load = async (c: Context): Promise<Session | null> => {
    const cached = c.get('session') as Session | null | undefined;
    if (cached !== undefined) return cached;
    const id = getCookie(c, cookie);
    let session: Session | null = null;
    if (id && /^[A-Za-z0-9_-]{43}$/.test(id)) {
      const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('id_hash', '=', hashId(id))
        .executeTakeFirst();
      const now = new Date();
      if (row && row.expires_at > now.toISOString()) {
        session = {
          idHash: row.id_hash,
          userId: row.user_id,
          csrfToken: row.csrf_token,
          data: readSessionData(row.data, log),
          createdAt: row.created_at,
        };
        // Slide the idle timeout, at most once a minute per session.
        if (now.getTime() - Date.parse(row.last_seen_at) > 60_000) {
          await db
            .updateTable('sessions')
            .set({
              last_seen_at: now.toISOString(),
              expires_at: expiry(config, new Date(row.created_at), now),
            })
            .where('id_hash', '=', row.id_hash)
            .execute();
        }
      } else if (row) {
        await db.deleteFrom('sessions').where('id_hash', '=', row.id_hash).execute();
      }
    }
    c.set('session', session);
    return session;
  };

  const end = async (c: Context): Promise<void> => {
    const session = await load(c);
    if (session) await db.deleteFrom('sessions').where('id_hash', '=', session.idHash).execute();
    deleteCookie(c, cookie, { path: '/', secure });
    c.set('session', null);
  };

  return {
    load,
    ensure: async (c) => (await load(c)) ?? create(c, null, {}),
    async signIn(c, userId, carry = {}) {
      await end(c);
      return create(c, userId, carry);
    },
    end,
    async save(session) {
      await db
        .updateTable('sessions')
        .set({ data: JSON.stringify(session.data) })
        .where('id_hash', '=', session.idHash)
        .execute();
    },
  };
};

export const sameToken = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

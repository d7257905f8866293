import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * The emulator's browser session (Entra's ESTSAUTH cookie): who signed in, when, and whether they passed MFA.
 * Only the hash of the cookie value is kept (STYLE.md §10).
 */
export interface BrowserSession {
  readonly userOid: string;
  /** Sign-in instant (ms, emulator clock). */
  readonly authTime: number;
  /** When the MFA step was approved in this session (ms), `null` if it was not. */
  mfaAt: number | null;
  /** `session_state` returned with codes (ms-identity-spec.md §5.2). */
  readonly sessionState: string;
}

export interface SessionStore {
  get(cookieValue: string | undefined): BrowserSession | undefined;
  /** Starts a new session; the caller sets the returned cookie value. */
  create(userOid: string, authTime: number): { cookieValue: string; session: BrowserSession };
  delete(cookieValue: string | undefined): void;
}

const hash = (value: string): string => createHash('sha256').update(value).digest('base64url');

export const createSessionStore = (): SessionStore => {
  const sessions = new Map<string, BrowserSession>();
  return {
    get: (cookieValue) => (cookieValue ? sessions.get(hash(cookieValue)) : undefined),
    create(userOid, authTime) {
      const cookieValue = randomBytes(32).toString('base64url');
      const session: BrowserSession = { userOid, authTime, mfaAt: null, sessionState: randomUUID() };
      sessions.set(hash(cookieValue), session);
      return { cookieValue, session };
    },
    delete(cookieValue) {
      if (cookieValue) sessions.delete(hash(cookieValue));
    },
  };
};

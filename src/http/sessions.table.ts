export interface SessionsTable {
  /** SHA-256 of the session id, hex: a stolen database row cannot be replayed as a cookie. */
  id_hash: string;
  /** `null` for a browser that has not signed in yet (it still needs CSRF and flash messages). */
  user_id: string | null;
  csrf_token: string;
  /** JSON: flash messages and short-lived flow state (e.g. a Microsoft sign-in in progress). */
  data: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
}

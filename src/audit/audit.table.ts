export interface AuditTable {
  id: string;
  at: string;
  actor_user_id: string | null;
  actor_email: string | null;
  action: string;
  /** JSON describing what changed; never a secret's value. */
  details: string;
}

/** A Microsoft identity linked to a Mailroom user, keyed by (tenant id, object id) (ms-identity-spec.md §4 item 4). */
export interface MicrosoftIdentitiesTable {
  tid: string;
  oid: string;
  user_id: string;
  /**
   * `pending`: a second Microsoft identity for a user who already has one, waiting for an administrator
   * to confirm it; it signs nobody in until then.
   */
  status: 'active' | 'pending';
  /** preferred_username at the last sign-in: for display only, it can change. */
  upn: string | null;
  created_at: string;
  last_signin_at: string;
}

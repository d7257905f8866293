/**
 * `/me`, or `/users/{address}` for another mailbox (shared or system, graph-mail-spec.md §1). `@` is a legal
 * path character (RFC 3986 §3.3) and Graph's own examples write UPNs with it.
 */
export const mailboxRoot = (mailbox: string): string =>
  mailbox === 'me' ? '/me' : `/users/${encodeURIComponent(mailbox).replace(/%40/g, '@')}`;

/** A Graph id as one path segment (REST ids may hold `/`, `+` and `=`). */
export const segment = (id: string): string => encodeURIComponent(id);

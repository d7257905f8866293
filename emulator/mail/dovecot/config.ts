import { DOVECOT_EXCHANGE_CAPABILITY } from '../wire-texts.ts';

export interface DovecotLayout {
  readonly root: string;
  readonly port: number;
  /** Unix user the mail files belong to and Dovecot's processes run as. */
  readonly mailUid: number;
  readonly mailGid: number;
  readonly internalUser: string;
  readonly loginUser: string;
  readonly profile: 'exchange' | 'rich';
}

/** Exchange Online's default folders and their special-use attributes (ms-identity-spec.md §13.3). */
export const EXCHANGE_FOLDERS = [
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Sent Items', specialUse: '\\Sent' },
  { name: 'Deleted Items', specialUse: '\\Trash' },
  { name: 'Junk Email', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
] as const;

export const MASTER_USER = 'mailroom-front';

/**
 * A private Dovecot 2.3 instance on loopback (configuration measured in mail-test-rig.md). Only the
 * Exchange-like front logs in, as a master user (`<mailbox>*mailroom-front`); it checks the OAuth tokens itself.
 */
export const renderDovecotConfig = (l: DovecotLayout): string => {
  const folders = EXCHANGE_FOLDERS.map(
    (f) => `  mailbox "${f.name}" {\n    special_use = ${f.specialUse}\n    auto = subscribe\n  }`,
  ).join('\n');
  const capability = l.profile === 'exchange' ? `  imap_capability = ${DOVECOT_EXCHANGE_CAPABILITY}\n` : '';
  return `# Rendered by the Mailroom emulator; do not edit.
instance_name = mailroom-emulator-${l.port}
base_dir = ${l.root}/run
state_dir = ${l.root}/state
log_path = ${l.root}/log/dovecot.log
info_log_path = ${l.root}/log/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_master_user_separator = *
auth_cache_size = 0
# Negative tests fail logins on purpose: no failure delay, no per-address penalty (mail-test-rig.md, pitfall 1).
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
default_internal_user = ${l.internalUser}
default_login_user = ${l.loginUser}
default_process_limit = 500
# Every imap process keeps a connection to anvil and to stats: their client limit must cover the imap
# processes below plus the login processes (Dovecot's "service(anvil): client_limit reached" otherwise).
default_client_limit = 6000
mail_uid = ${l.mailUid}
mail_gid = ${l.mailGid}
first_valid_uid = ${Math.min(l.mailUid, 1)}
first_valid_gid = 0
mail_location = maildir:~/Maildir
mail_fsync = never
# IDLE hears of new mail through inotify, one instance per imap process, and the kernel allows 128 per user
# by default (fs.inotify.max_user_instances): past that Dovecot logs "Inotify instance limit ... exceeded,
# disabling" and the session checks every mailbox_idle_check_interval (30 s by default). Measured with 150
# IDLE sessions: a delivery reached the 151st after 29.8 s. Checking every second keeps a thousand IDLE
# sessions within about a second of a delivery (inotify, where there is an instance, answers in ~0.5 s).
mailbox_idle_check_interval = 1 secs

passdb {
  driver = passwd-file
  master = yes
  args = scheme=PLAIN username_format=%u ${l.root}/master-users
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${l.root}/no-users
}
userdb {
  driver = static
  args = uid=${l.mailUid} gid=${l.mailGid} home=${l.root}/mail/%Lu allow_all_users=yes
}

namespace inbox {
  inbox = yes
  separator = /
${folders}
}

protocol imap {
  mail_max_userip_connections = 1000
${capability}}

# One process per IMAP session: a thousand mailboxes watched with IDLE are a thousand imap processes, each
# backing one session of the Exchange-like front (bench/scale.ts holds 1,000+).
service imap {
  process_limit = 5000
}

service imap-login {
  service_count = 0
  inet_listener imap {
    address = 127.0.0.1
    port = ${l.port}
  }
  inet_listener imaps {
    port = 0
  }
}
`;
};

#!/usr/bin/env bash
# Installs what Mailroom's emulator and tests need on a fresh Debian/Ubuntu machine with Node 20:
# system packages when missing (apt), npm packages from the lock file when node_modules is stale.
# Safe to run again: it does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

quiet=0
screenshots=0
for arg in "$@"; do
  case "$arg" in
    --quiet) quiet=1 ;;
    # npm run docs:screenshots: a Japanese font too, so Chromium draws the demo's Japanese mail.
    --screenshots) screenshots=1 ;;
  esac
done
say() { [ "$quiet" = 1 ] || echo "setup: $*"; }

# Debian package => a file it installs, used to tell whether it is present.
declare -A wanted=(
  [dovecot-imapd]=/usr/sbin/dovecot
  [openssl]=/usr/bin/openssl
  [postgresql]=/usr/lib/postgresql
  [chromium]=/usr/bin/chromium
)

[ "$screenshots" = 1 ] && wanted[fonts-vlgothic]=/usr/share/fonts/truetype/vlgothic

missing=()
for pkg in "${!wanted[@]}"; do
  [ -e "${wanted[$pkg]}" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from apt"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  # The packages' postinst would start the system-wide Dovecot on ports 143/993: Mailroom starts its own
  # private instance, so forbid service starts for the duration of the install.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod +x "$policy"
    added_policy=1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$added_policy" = 1 ] && $sudo rm -f "$policy"
fi

# PostgreSQL: a running cluster, and a role for this user reached over the local socket (peer auth).
if command -v pg_lsclusters >/dev/null 2>&1; then
  if ! pg_lsclusters --no-header 2>/dev/null | grep -q online; then
    say "starting PostgreSQL"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  me=$(id -un)
  if ! psql -h /var/run/postgresql -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    say "creating the PostgreSQL role $me"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo runuser -u postgres -- psql -qc "create role \"$me\" superuser login" >/dev/null
  fi
fi

# npm packages exactly as the lock file says, when node_modules is missing or older than the lock.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
fi

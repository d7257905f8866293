#!/usr/bin/env bash
# The README's test command: installs what the tests need (scripts/setup.sh), then runs every test file
# with node's test runner through tsx. Tests start and stop their own servers.
# Usage: npm test [-- test/some.test.ts ...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test -name '*.test.ts' | sort)
fi
# --test-force-exit: a test file whose tests are done ends even if a handle it leaked (a worker's pool, a
# timer) would keep it alive; a hang would stop the whole suite.
exec npx tsx --test --test-force-exit --test-reporter=spec "${files[@]}"

#!/usr/bin/env bash
# The test command (README): typecheck, lint and test every project. Tests need a real
# PostgreSQL; unless TAPES_TEST_PG_URL points at one, a throwaway cluster is started here and
# stopped on exit (failure included).
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
export PRISMA_SCHEMA_ENGINE_BINARY=/bin/false

# A clone has nothing beside it (#10): no source, test or tool may reach for a sibling of the
# checkout. (Jest's setup also fails any read that lands beside the checkout: tools/jest/setup-env.js.)
# The pattern is spelt in two parts so that this line does not match itself.
sibling='\.\./'; sibling+='shared'
if outside=$(git grep -nE "${sibling}|TAPES_SHARED""_FIXTURES" -- ':!*.md' 2>/dev/null); then
  echo "these lines reach outside the repository; copy what they need into fixtures/:" >&2
  echo "$outside" >&2
  exit 1
fi

if [ -z "${TAPES_TEST_PG_URL:-}" ]; then
  # A cluster of our own on a free port; only it is stopped at exit (another run's, or one a
  # developer started, is never touched).
  started=$(tools/ci/postgres.sh start "${TAPES_CI_PG_PORT:-55432}")
  pg_dir=$(sed -n 2p <<<"$started")
  trap 'tools/ci/postgres.sh stop "$pg_dir" || true' EXIT
  TAPES_TEST_PG_URL=$(sed -n 1p <<<"$started")
  export TAPES_TEST_PG_URL
fi
echo "test PostgreSQL: $TAPES_TEST_PG_URL"

# PgBouncer (Debian package) for apps/ingest/test/pgbouncer.spec.ts, which starts its own instance
# in front of the test PostgreSQL. Installed only when missing. If it cannot be installed, that
# suite fails (it never skips), so the run goes on and reports it.
tools/ci/pgbouncer.sh install || echo "pgbouncer could not be installed: the PgBouncer suite will fail" >&2

# Chromium (Debian package) for the viewer's end-to-end tests (apps/viewer-e2e): installed only when
# missing; without it those suites fail (they never skip).
tools/ci/chromium.sh install >/dev/null || echo "chromium could not be installed: the viewer e2e suites will fail" >&2

log=$(mktemp)
status=0
npx nx run-many -t typecheck,lint,test --parallel=2 --output-style=stream "$@" 2>&1 | tee "$log" || status=$?

# One closing line over every project's Jest summary ("Tests: 3 failed, 979 passed, 982 total").
sed 's/\x1b\[[0-9;]*m//g' "$log" | awk '
  /Tests:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1); if ($(i) ~ /^skipped/) s += $(i-1) } }
  END { printf "tests: %d passed, %d failed", p, f; if (s) printf ", %d skipped", s; printf "\n" }'
rm -f "$log"
exit "$status"

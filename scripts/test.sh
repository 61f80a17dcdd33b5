#!/usr/bin/env bash
# Runs every test of gwanmun: Go unit, storage conformance (SQLite and a real
# PostgreSQL), OpenSSL interop, JavaScript (Node's test runner) and headless
# Chromium end-to-end tests. Installs what is missing from Debian's packages
# and npm first. Usage: scripts/test.sh [go test flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
. scripts/lib.sh

need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
command -v node >/dev/null || need_apt+=(nodejs)
command -v chromium >/dev/null || need_apt+=(chromium)
pg_bin_present || need_apt+=(postgresql)
command -v pg_dump >/dev/null || need_apt+=(postgresql-client)   # gwanmun backup/restore tests
command -v systemd-analyze >/dev/null || need_apt+=(systemd)      # deploy/ unit checks
command -v nginx >/dev/null || need_apt+=(nginx)                  # deploy/ proxy examples
command -v caddy >/dev/null || need_apt+=(caddy)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt_install "${need_apt[@]}"
fi

start_postgres          # sets GWANMUN_TEST_PG, registers cleanup
export GWANMUN_CHROMIUM=${GWANMUN_CHROMIUM:-$(command -v chromium)}

echo "== go vet"
go vet ./...

echo "== go test (race detector, SQLite + PostgreSQL at ${GWANMUN_TEST_PG%%\?*})"
go test -race -count=1 -timeout 15m "$@" ./...

if compgen -G "internal/web/static/js/**/*.test.mjs" >/dev/null || ls internal/web/static/js/*/*.test.mjs >/dev/null 2>&1; then
  echo "== node --test"
  node --test $(find internal/web/static/js -name '*.test.mjs' | sort)
fi
echo "== all tests passed"

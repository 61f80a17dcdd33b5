#!/usr/bin/env bash
# Runs the gwanmun demo: a fresh SQLite database with demo data, served on
# http://127.0.0.1:8080 (override with GWANMUN_ADDR).
set -euo pipefail
cd "$(dirname "$0")/.."
exec go run ./cmd/gwanmun demo "$@"

#!/usr/bin/env bash
# Measures gwanmun's pages on a large database made by bench/gen
# (docs/performance.md, "Million-user measurements"): start-up to ready
# time, server-side p50/p95/max of the approver inbox, the admin user
# search and the audit filter (from the server's JSON request log), and
# the EXPLAIN (ANALYZE, BUFFERS) plans of their queries (PostgreSQL).
#
#   bench/multi/measure.sh 'postgres://postgres@127.0.0.1:5432/gwanmun_million?sslmode=disable' [N]
#
# N (default 200) requests per page, one at a time. The script logs in
# without certificates by inserting three sessions (the demo national
# administrator "admin", the 서울특별시 administrator "admin11" and the 종로구
# approver "approver11110") straight
# into the sessions table, with random cookies it deletes at the end. Output
# goes to bench/.cache/measure/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
db=${1:?database URL}
n=${2:-200}
out=bench/.cache/measure
mkdir -p "$out"
case "$db" in postgres://*) pg=1 ;; *) pg=0 ;; esac

go build -o "$out/gwanmun" ./cmd/gwanmun
if [ ! -f bench/.cache/devca/ca/root.pem ]; then
  go run ./bench/load -short >/dev/null # creates the bench CA
fi

sql() { # sql STATEMENT: run on the database, unaligned output
  if [ "$pg" = 1 ]; then psql "$db" -XAtq -c "$1"; else sqlite3 "${db#sqlite:}" "$1"; fi
}

# Sessions for the national administrator and the approver.
now_us=$(($(date +%s) * 1000000))
admin_cookie=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
appr_cookie=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
prov_cookie=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
sid() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
for pair in "admin:$admin_cookie" "admin11:$prov_cookie" "approver11110:$appr_cookie"; do
  login=${pair%%:*} cookie=${pair#*:}
  sql "INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at)
       SELECT '$(sid "$cookie")', id, 'measure', $now_us, $now_us, $((now_us + 3600000000)) FROM users WHERE login_id = '$login'"
done
cleanup() { # stop the server first: SQLite refuses the DELETE while it writes
  if [ -n "${pid:-}" ]; then kill -INT "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; fi
  sql "DELETE FROM sessions WHERE id IN ('$(sid "$admin_cookie")', '$(sid "$prov_cookie")', '$(sid "$appr_cookie")')" || true
}
trap cleanup EXIT

# Start-up to ready.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
start=$(date +%s.%N)
"$out/gwanmun" serve --addr "127.0.0.1:$port" --base-url "$base" --db "$db" --dev-ca bench/.cache/devca/ca \
  --fetch-crl=false --log-format json >"$out/server.log" 2>&1 &
pid=$!
until curl -fs -o /dev/null "$base/readyz"; do sleep 0.02; done
ready=$(date +%s.%N)
echo "pid $pid; start-up to ready: $(python3 -c "print(round($ready - $start, 2))") s; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# page COOKIE PATH: N sequential GETs; prints the server-side times of them.
page() {
  local before code
  before=$(wc -l <"$out/server.log")
  code=$(curl -s -o /dev/null -w '%{http_code}' -b "gwanmun_session=$1" "$base$2")
  for _ in $(seq 2 "$n"); do curl -s -o /dev/null -b "gwanmun_session=$1" "$base$2"; done
  tail -n +"$((before + 1))" "$out/server.log" | jq -r 'select(.msg == "http request") | .duration' |
    python3 -c '
import sys
v = sorted(float(x) / 1e6 for x in sys.stdin if x.strip())  # nanoseconds -> ms
p = lambda q: v[min(len(v) - 1, max(0, int(-(-q * len(v) // 1)) - 1))]
print(f"{sys.argv[1]:<55} status {sys.argv[2]}  n={len(v)}  p50 {p(.5):.1f} ms  p95 {p(.95):.1f} ms  max {v[-1]:.1f} ms")
' "$2" "$code"
}
page "$appr_cookie" "/approvals"
page "$appr_cookie" "/approvals?tab=history"
page "$admin_cookie" "/admin/users"
page "$admin_cookie" "/admin/users?q=$(jq -rn '"김민준"|@uri')"
page "$admin_cookie" "/admin/users?q=$(jq -rn '"민준"|@uri')"
page "$admin_cookie" "/admin/users?q=gen-login-00001"
page "$admin_cookie" "/admin/users?q=$(jq -rn '"김"|@uri')"
page "$admin_cookie" "/admin/users?q=ge"
page "$admin_cookie" "/admin/audit"
page "$admin_cookie" "/admin/audit?action=request.approve"
page "$admin_cookie" "/admin/audit?action=request.approve&from=2025-01-01&to=2025-01-31"
page "$admin_cookie" "/admin/audit?actor=approver11110"
# A provincial administrator sees the users, institutions and access log
# of the institutions under the province.
page "$prov_cookie" "/admin/users"
page "$prov_cookie" "/admin/users?q=$(jq -rn '"민준"|@uri')"
page "$prov_cookie" "/admin/users?q=$(jq -rn '"김"|@uri')"
page "$prov_cookie" "/admin/users?q=ge"
page "$prov_cookie" "/admin/institutions"
page "$prov_cookie" "/admin/access-log"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); server RSS: $(grep VmRSS /proc/$pid/status | awk '{print $2/1024 " MB"}')"

# Shared helpers for gwanmun's scripts. Source it; do not run it.

# apt_install installs Debian packages, updating the package lists first.
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "== installing from Debian: $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && echo "$d"
}

pg_bin_present() { [ -n "$(pg_bindir)" ] || command -v pg_ctl >/dev/null; }

# start_postgres exports GWANMUN_TEST_PG: the server at 127.0.0.1:5432 when one
# answers there, otherwise a private cluster started on a free loopback port
# (as the postgres user when run as root) and stopped on exit.
start_postgres() {
  if [ -n "${GWANMUN_TEST_PG:-}" ]; then return; fi
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; then
    export GWANMUN_TEST_PG="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
    if psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
      return
    fi
    unset GWANMUN_TEST_PG
  fi
  local bindir port dir run
  bindir=$(pg_bindir)
  port=55432
  dir=$(mktemp -d /tmp/gwanmun-pg.XXXXXX)
  run=""
  if [ "$(id -u)" = 0 ]; then
    chown postgres "$dir"
    run="runuser -u postgres --"
  fi
  echo "== starting a private PostgreSQL on 127.0.0.1:$port ($dir)"
  $run "$bindir/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
  $run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null
  $run "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres test
  export GWANMUN_TEST_PG="postgres://postgres@127.0.0.1:$port/test?sslmode=disable"
  # shellcheck disable=SC2064
  trap "$run '$bindir/pg_ctl' -D '$dir/data' -m fast stop >/dev/null 2>&1; rm -rf '$dir'" EXIT
}

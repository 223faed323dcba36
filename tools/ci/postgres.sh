#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: trust auth, fsync off, on a spare port, owned by the
# `postgres` OS user (initdb refuses to run as root). Installs PostgreSQL with apt-get when the
# binaries are missing.
#   tools/ci/postgres.sh start [port]   -> prints the admin URL (postgresql://postgres@127.0.0.1:<port>/postgres)
#   tools/ci/postgres.sh stop  [port]
set -euo pipefail
cmd=${1:?start|stop}
port=${2:-55432}
dir=${TAPES_PG_DIR:-/tmp/tapes-pg-$port}

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return 0; }; done
  return 1
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    bin=$(find_bin || true)
    if [ -z "$bin" ]; then
      echo "PostgreSQL binaries missing: installing with apt-get" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
      bin=$(find_bin)
    fi
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
      echo "postgresql://postgres@127.0.0.1:$port/postgres"; exit 0
    fi
    if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || useradd --system --home "$dir" postgres; fi
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 30 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >&2 \
      || { cat "$dir/pg.log" >&2; exit 1; }
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    bin=$(find_bin || true)
    [ -n "$bin" ] && [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    ;;
  *) echo "usage: $0 start|stop [port]" >&2; exit 2 ;;
esac

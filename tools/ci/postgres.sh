#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: trust auth, fsync off, on a free port, owned by the
# `postgres` OS user (initdb refuses to run as root). Installs PostgreSQL with apt-get when the
# binaries are missing.
#
#   tools/ci/postgres.sh start [port]   -> line 1: the admin URL (postgresql://postgres@127.0.0.1:<port>/postgres)
#                                          line 2: the cluster's directory (what `stop` takes)
#   tools/ci/postgres.sh stop <dir>     -> stops the cluster started in <dir> and removes it
#
# Each start makes a new cluster in a new directory. `port` (default 55432) is where the search
# for a free port begins: a port something else listens on is skipped, never reused, and `stop`
# only touches a directory this script created (marked `started-by-tapes`). So two test runs on
# one machine never stop each other's database, nor one a developer started by hand (#10).
set -euo pipefail
cmd=${1:?start|stop}

find_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && { echo "$d"; return 0; }; done
  return 1
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$cmd" in
  start)
    port=${2:-55432}
    bin=$(find_bin || true)
    if [ -z "$bin" ]; then
      echo "PostgreSQL binaries missing: installing with apt-get" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
      bin=$(find_bin)
    fi
    if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres; fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/tapes-pg-XXXXXX")
    touch "$dir/started-by-tapes"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Another run may take the port we found between our check and our start: then try the next.
    for attempt in $(seq 1 40); do
      while listening "$port"; do port=$((port + 1)); done
      if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 30 start \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" >&2; then
        echo "postgresql://postgres@127.0.0.1:$port/postgres"
        echo "$dir"
        exit 0
      fi
      port=$((port + 1))
    done
    cat "$dir/pg.log" >&2
    exit 1
    ;;
  stop)
    dir=${2:?stop needs the directory that start printed}
    [ -f "$dir/started-by-tapes" ] || { echo "not stopping $dir: this script did not start a cluster there" >&2; exit 0; }
    bin=$(find_bin || true)
    [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start [port] | stop <dir>" >&2; exit 2 ;;
esac

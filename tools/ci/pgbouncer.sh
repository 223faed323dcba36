#!/usr/bin/env bash
# A throwaway PgBouncer (Debian package `pgbouncer`) in TRANSACTION pool mode in front of a
# PostgreSQL server, for tests and for trying the settings docs/deploy.md recommends. Modelled on
# tools/ci/postgres.sh: each start makes a new instance in a new directory on a free port, and
# `stop` only ever touches an instance this script started (marked `started-by-tapes`), so a test
# run never stops a PgBouncer it did not start (nor the system's own, if the package runs one).
#
#   tools/ci/pgbouncer.sh install                 -> installs the package with apt-get when the binary
#                                                    is missing; does nothing otherwise (idempotent)
#   tools/ci/pgbouncer.sh start <postgres-url> [port]
#                                                 -> line 1: the PgBouncer URL (same user and database
#                                                            as <postgres-url>, PgBouncer's host and port)
#                                                    line 2: the instance's directory (what `stop` takes)
#   tools/ci/pgbouncer.sh stop <dir>              -> stops the instance started in <dir> and removes it
#
# Every database name is routed to the server of <postgres-url> (a `*` fallback entry), so databases
# created after the start (one per test file) are reachable through it. Authentication is `trust`
# with the URL's user listed in the auth file: meant for the throwaway test server (tools/ci/postgres.sh,
# trust auth); a production PgBouncer authenticates (docs/deploy.md).
# Env: PGBOUNCER_POOL_SIZE (server connections per database+user, default 4: small on purpose, so
# that clients share server connections and session state cannot go unnoticed),
# PGBOUNCER_MAX_CLIENT_CONN (default 400).
set -euo pipefail
cmd=${1:?install|start|stop}

find_bin() {
  local b
  for b in "$(command -v pgbouncer 2>/dev/null || true)" /usr/sbin/pgbouncer /usr/bin/pgbouncer; do
    [ -n "$b" ] && [ -x "$b" ] && { echo "$b"; return 0; }
  done
  return 1
}

# PgBouncer refuses to run as root: run it as the `postgres` user (as postgres.sh runs the server).
as_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

case "$cmd" in
  install)
    if find_bin >/dev/null; then exit 0; fi
    echo "pgbouncer missing: installing the Debian package with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    # The package's service is not started here (containers deny it through policy-rc.d), and a
    # system PgBouncer on 6432 would be left alone anyway: our instances pick their own ports.
    if ! apt-get install -y -qq pgbouncer >&2; then
      apt-get update -qq >&2 && apt-get install -y -qq pgbouncer >&2
    fi
    find_bin >/dev/null
    ;;
  start)
    target=${2:?start needs the PostgreSQL URL PgBouncer sits in front of}
    port=${3:-56432}
    bin=$(find_bin) || { echo "pgbouncer is not installed: run tools/ci/pgbouncer.sh install (apt-get install pgbouncer)" >&2; exit 1; }
    # postgresql://user[:password]@host[:port]/database[?…]
    re='^postgres(ql)?://([^:@/]+)(:[^@/]*)?@([^:/?]+)(:([0-9]+))?/([^?]*)'
    [[ $target =~ $re ]] || { echo "cannot parse $target as postgresql://user@host:port/database" >&2; exit 2; }
    user=${BASH_REMATCH[2]}
    pg_host=${BASH_REMATCH[4]}
    pg_port=${BASH_REMATCH[6]:-5432}
    database=${BASH_REMATCH[7]}
    if [ "$(id -u)" = 0 ]; then id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres; fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/tapes-pgbouncer-XXXXXX")
    touch "$dir/started-by-tapes"
    printf '"%s" ""\n' "$user" >"$dir/userlist.txt"
    [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
    for attempt in $(seq 1 40); do
      while listening "$port"; do port=$((port + 1)); done
      cat >"$dir/pgbouncer.ini" <<EOF
[databases]
; every database name goes to the same server, under the same name
* = host=$pg_host port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = $user
stats_users = $user
; the mode docs/deploy.md recommends for ingest: a server connection per transaction
pool_mode = transaction
default_pool_size = ${PGBOUNCER_POOL_SIZE:-4}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = ${PGBOUNCER_MAX_CLIENT_CONN:-400}
; transaction mode runs no reset query between clients: session state would leak (it must not exist)
server_reset_query =
server_reset_query_always = 0
ignore_startup_parameters = extra_float_digits
query_wait_timeout = 120
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
log_connections = 0
log_disconnections = 0
log_pooler_errors = 1
EOF
      [ "$(id -u)" = 0 ] && chown postgres "$dir/pgbouncer.ini"
      rm -f "$dir/pgbouncer.pid"
      if as_user "$bin" -d -q "$dir/pgbouncer.ini" 2>>"$dir/start.log"; then
        # -d forks before the port is bound: wait until this instance (its pid alive) accepts.
        for _ in $(seq 1 100); do
          pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)
          if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && listening "$port"; then
            echo "postgresql://$user@127.0.0.1:$port/$database"
            echo "$dir"
            exit 0
          fi
          if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then break; fi
          sleep 0.1
        done
        pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
      fi
      port=$((port + 1))
    done
    cat "$dir/start.log" "$dir/pgbouncer.log" >&2 2>/dev/null || true
    rm -rf "$dir"
    exit 1
    ;;
  stop)
    dir=${2:?stop needs the directory that start printed}
    [ -f "$dir/started-by-tapes" ] || { echo "not stopping $dir: this script did not start a PgBouncer there" >&2; exit 0; }
    pid=$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 install | start <postgres-url> [port] | stop <dir>" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster run by the unprivileged `postgres` user on 127.0.0.1.
#   cluster.sh start NAME   fresh cluster in /tmp/audit_ext/NAME on a free port (an old one there is stopped
#                           and removed first); prints the port
#   cluster.sh stop NAME    stops it (no error if it is not running)
#   cluster.sh port NAME    prints the port of a running cluster
# AUDIT_EXT_PG_OPTS adds server options at start (the benchmark uses it for memory settings); AUDIT_EXT_PG_ENV adds
# NAME=VALUE environment variables for the server (make load uses it to try glibc malloc settings).
# Run as root (it switches to postgres) or as postgres itself.
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
ROOT=${AUDIT_EXT_CLUSTER_ROOT:-/tmp/audit_ext}
cmd=${1:-}; name=${2:-}
[ -n "$cmd" ] && [ -n "$name" ] || { echo "usage: $0 start|stop|port NAME" >&2; exit 2; }
dir=$ROOT/$name

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
      || as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}

case "$cmd" in
  start)
    stop
    if [ "$(id -u)" = 0 ]; then install -d -o postgres -g postgres "$ROOT"; else mkdir -p "$ROOT"; fi
    rm -rf "$dir"
    as_pg mkdir -p "$dir"
    as_pg "$BIN/initdb" -D "$dir/data" -U postgres --auth=trust --no-locale -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { echo "cluster: initdb failed, see $dir/initdb.log" >&2; exit 1; }
    # A free port, starting from a per-name base so that parallel clusters rarely race for one.
    base=$(( 55400 + $(printf '%s' "$name" | cksum | cut -d' ' -f1) % 400 ))
    port=$base
    while port_in_use "$port"; do
      port=$((port + 1)); [ "$port" -lt $((base + 200)) ] || { echo "cluster: no free port near $base" >&2; exit 1; }
    done
    # No Rust backtraces in error details (the machine may export RUST_BACKTRACE): errors read as users see them.
    # AUDIT_EXT_PG_ENV adds environment variables for the server (the soak's malloc experiment uses it).
    # shellcheck disable=SC2086
    if ! as_pg env RUST_BACKTRACE=0 RUST_LIB_BACKTRACE=0 ${AUDIT_EXT_PG_ENV:-} "$BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c timezone=UTC -c fsync=off ${AUDIT_EXT_PG_OPTS:-}" \
        start >/dev/null; then
      echo "cluster: server did not start; last lines of $dir/log:" >&2; tail -n 20 "$dir/log" >&2 || true
      stop; exit 1
    fi
    echo "$port" | as_pg tee "$dir/port" >/dev/null
    echo "$port" ;;
  stop) stop ;;
  port) [ -f "$dir/port" ] && [ -f "$dir/data/postmaster.pid" ] || { echo "cluster: $name is not running" >&2; exit 1; }
        cat "$dir/port" ;;
  *) echo "usage: $0 start|stop|port NAME" >&2; exit 2 ;;
esac

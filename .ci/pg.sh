#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL cluster on 127.0.0.1:55432 for the
# store's tests. Usage: .ci/pg.sh start | stop. Prints the URL on start.
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
PGROOT=${PGROOT:-/tmp/zicht-pg}
PORT=${PGPORT_ZICHT:-55432}
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
case "${1:-start}" in
  start)
    [ -x "$PGBIN/initdb" ] || { echo "PostgreSQL is not installed (no initdb under /usr/lib/postgresql): apt-get install -y postgresql" >&2; exit 1; }
    if [ -f "$PGROOT/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl -D $PGROOT/data status" >/dev/null 2>&1; then
      echo "postgres://postgres@127.0.0.1:$PORT/postgres"; exit 0
    fi
    rm -rf "$PGROOT"; mkdir -p "$PGROOT"
    [ "$(id -u)" = 0 ] && chown postgres "$PGROOT"
    as_pg "$PGBIN/initdb -D $PGROOT/data -U postgres -A trust --no-sync" >"$PGROOT/initdb.log" 2>&1
    as_pg "$PGBIN/pg_ctl -D $PGROOT/data -l $PGROOT/log -w -o '-p $PORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200' start" >/dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    [ -f "$PGROOT/data/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl -D $PGROOT/data -m fast -w stop" >/dev/null || true
    ;;
esac

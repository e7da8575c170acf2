#!/usr/bin/env bash
# End-to-end test of the published monitor and the portal in headless Chromium.
# Needs: Debian's chromium (/usr/bin/chromium, or CHROMIUM=path) and node ≥ 20.
# Builds the release binary, makes a temporary store with `zicht init`, writes
# the static site, starts `zicht serve` on a free loopback port, runs
# site.test.mjs, portal.test.mjs and round.test.mjs (which adds its own
# users with `zicht user add --password-stdin`) and stops the server; then the
# load test and the crash test (bench/portal-load.sh). With
# ZICHT_TEST_POSTGRES_URL set, the round test, the load test and the crash
# test run again on PostgreSQL, each on a fresh database made for it there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac

# ZICHT_BIN names a zicht binary already built (CI reuses the test build).
if [ -n "${ZICHT_BIN:-}" ]; then
  bin="$ZICHT_BIN"
else
  (cd "$root" && cargo build --release -p zicht-cli)
  bin="$target/release/zicht"
fi

if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

tmp="$(mktemp -d)"
server=""
sink=""
pg_dbs=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  if [ -n "$sink" ]; then
    kill "$sink" 2>/dev/null || true
    wait "$sink" 2>/dev/null || true
  fi
  for d in $pg_dbs; do
    psql -q "$ZICHT_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

db="sqlite://$tmp/zicht.db"
"$bin" --db "$db" init >/dev/null
"$bin" --db "$db" publish --out "$tmp/site"

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
# The server's mail goes to an SMTP sink on the loopback, which writes each
# message to $tmp/mail; the round test reads its reminder there.
smtp_port="$(free_port)"
node "$here/smtp-sink.mjs" "$smtp_port" "$tmp/mail" &
sink=$!
# Starts `zicht serve` on the store $1 with its mail going to the sink, and
# waits until it answers; sets $server and $url.
start_server() {
  port="$(free_port)"
  "$bin" --db "$1" serve --addr "127.0.0.1:$port" \
    --smtp "smtp://127.0.0.1:$smtp_port" --mail-from "Monitor e2e <monitor@example.org>" --mail-poll 1 &
  server=$!
  url="http://127.0.0.1:$port/"
  for _ in $(seq 1 100); do
    if node -e "fetch('$url').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
      return 0
    fi
    if ! kill -0 "$server" 2>/dev/null; then
      echo "zicht serve stopped before answering" >&2
      exit 1
    fi
    sleep 0.1
  done
}
stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
}
start_server "$db"

cd "$here"
# Screenshots of the home, a theme and an indicator page at 1280 px land in
# the target directory (never committed); the test prints their paths.
ZICHT_URL="$url" ZICHT_SITE_DIR="$tmp/site" ZICHT_SCREENSHOTS="${ZICHT_SCREENSHOTS:-$target/e2e-screenshots}" \
  node --test --test-concurrency=1 site.test.mjs

# The portal, after the site: its admin is added to the running server's store.
admin_password="e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$admin_password" | "$bin" --db "$db" user add e2e-admin --role admin --password-stdin >/dev/null
ZICHT_URL="$url" ZICHT_ADMIN_PASSWORD="$admin_password" node --test --test-concurrency=1 portal.test.mjs

# A whole round, last: it puts an embargo on an edition of the running
# server's store. Its editor and supplier are added the same way.
round_test() {
  local db="$1"
  local editor_password supplier_password
  editor_password="e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  supplier_password="e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' "$editor_password" | "$bin" --db "$db" user add e2e-round-editor --role editor --password-stdin >/dev/null
  printf '%s\n' "$supplier_password" | "$bin" --db "$db" user add e2e-round-supplier --role supplier --organisation comensha \
    --email e2e-supplier@example.org --language nl --password-stdin >/dev/null
  # Only this run's mail: the sink keeps writing into the same directory.
  rm -f "$tmp"/mail/*.json
  ZICHT_URL="$url" ZICHT_ROUND_EDITOR_PASSWORD="$editor_password" ZICHT_ROUND_SUPPLIER_PASSWORD="$supplier_password" \
    ZICHT_MAIL_DIR="$tmp/mail" \
    node --test --test-concurrency=1 round.test.mjs
}
round_test "$db"
stop_server

# The round API under load, on a fresh store of its own (50 suppliers
# delivering at once while readers hammer the public API), then the server
# killed during deliveries and started again.
ZICHT_BIN="$bin" "$root/bench/portal-load.sh"

# The same on PostgreSQL, each on a fresh database.
if [ -n "${ZICHT_TEST_POSTGRES_URL:-}" ]; then
  # A fresh database on the same server; sets $pg_url.
  pg_db() {
    local name="zicht_e2e_${1}_$$"
    psql -q "$ZICHT_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $name" >/dev/null
    psql -q "$ZICHT_TEST_POSTGRES_URL" -c "CREATE DATABASE $name" >/dev/null
    pg_dbs="$pg_dbs $name"
    pg_url="${ZICHT_TEST_POSTGRES_URL%/*}/$name"
  }
  echo "# PostgreSQL: the round test"
  pg_db round
  "$bin" --db "$pg_url" init >/dev/null
  start_server "$pg_url"
  round_test "$pg_url"
  stop_server
  echo "# PostgreSQL: the load test and the crash test"
  pg_db load
  ZICHT_BIN="$bin" ZICHT_LOAD_DB="$pg_url" "$root/bench/portal-load.sh"
fi

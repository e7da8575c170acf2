#!/usr/bin/env bash
# Load test of the round API (e2e/portal-load.mjs): a fresh store with a
# synthetic monitor of 50 supplier organisations, an editor and 50 suppliers
# with API tokens, `zicht serve` on a free loopback port; then 50 suppliers
# deliver at once while readers hammer the public API, and every delivery is
# checked. Prints throughput and latency; exits non-zero on any error.
# Then e2e/portal-crash.mjs kills that server (SIGKILL) during deliveries of
# a new round, starts it again and checks nothing was lost or half-stored.
# Needs node ≥ 20. ZICHT_BIN names a zicht binary already built;
# ZICHT_LOAD_DB an empty database to use instead of a new SQLite file
# (e2e/run.sh gives a fresh PostgreSQL database).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
if [ -n "${ZICHT_BIN:-}" ]; then
  bin="$ZICHT_BIN"
else
  (cd "$root" && cargo build --release -p zicht-cli)
  bin="$target/release/zicht"
fi
load="$root/e2e/portal-load.mjs"

tmp="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

node "$load" monitor "$tmp/monitor"
db="${ZICHT_LOAD_DB:-sqlite://$tmp/zicht.db}"
"$bin" --db "$db" init --data "$tmp/monitor" >"$tmp/init.log" 2>&1 || { cat "$tmp/init.log" >&2; exit 1; }

# Passwords are never used (the run authenticates with tokens), but every
# account has one.
password() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
password | "$bin" --db "$db" user add load-editor --role editor --password-stdin >/dev/null
editor="$("$bin" --db "$db" user token load-editor --name portal-load 2>/dev/null)"
# The organisations as the generator wrote them.
orgs="$(sed -n 's/^id = "\(org-[0-9]*\)"$/\1/p' "$tmp/monitor/monitor.toml" | tr '\n' ' ')"
{
  printf '{"editor":"%s","suppliers":{' "$editor"
  sep=""
  for org in $orgs; do
    password | "$bin" --db "$db" user add "sup-$org" --role supplier --organisation "$org" --password-stdin >/dev/null
    printf '%s"%s":"%s"' "$sep" "$org" "$("$bin" --db "$db" user token "sup-$org" --name portal-load 2>/dev/null)"
    sep=","
  done
  printf '}}\n'
} >"$tmp/tokens.json"

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
"$bin" --db "$db" serve --addr "127.0.0.1:$port" 2>"$tmp/serve.log" &
server=$!
url="http://127.0.0.1:$port/"
for _ in $(seq 1 100); do
  if node -e "fetch('${url}api/editions').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "zicht serve stopped before answering:" >&2
    cat "$tmp/serve.log" >&2
    exit 1
  fi
  sleep 0.1
done

ZICHT_URL="$url" ZICHT_LOAD_TOKENS="$tmp/tokens.json" node "$load" run || {
  status=$?
  echo "server log:" >&2
  tail -n 20 "$tmp/serve.log" >&2
  exit "$status"
}

# The crash test starts and kills its own server on the same store.
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
server=""
ZICHT_BIN="$bin" ZICHT_DB="$db" ZICHT_LOAD_TOKENS="$tmp/tokens.json" node "$root/e2e/portal-crash.mjs"

#!/usr/bin/env bash
# The public read path under load, as a user meets it: a fresh SQLite store
# with the embedded monitor (`zicht init`), `zicht serve` on a free loopback
# port, then wrk (Debian's `wrk`) for DURATION seconds per endpoint at 8 and
# 64 connections. Prints req/s, p50 and p99 per run, the server's memory
# (RSS now and its peak, from /proc) and the machine's load (`uptime`): wrk
# and the server share the machine's cores, so the figures are indicative.
# Goal (issue 12): ≥ 20,000 req/s at 64 connections, p99 < 20 ms, server
# memory < 150 MB. ZICHT_BIN names a zicht binary already built; not run in CI.
# 3 Dec 2026 (third session), brotli at quality 6: 32,277-45,150 req/s at
# c8/c64 over the five endpoints, p99 <= 5.1 ms at c64, server RSS 73 MB after
# start, 43 MB at the end, peak 73 MB (was 128-197 MB with quality 9's 32 MB
# hash table per body). All goals met.
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
duration="${DURATION:-15}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }

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

db="sqlite://$tmp/zicht.db"
"$bin" --db "$db" init >"$tmp/init.log" 2>&1 || { cat "$tmp/init.log" >&2; exit 1; }

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$bin" --db "$db" serve --addr "127.0.0.1:$port" 2>"$tmp/serve.log" &
server=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
  if curl -fsS -o /dev/null "$url/api/editions"; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "zicht serve stopped before answering:" >&2
    cat "$tmp/serve.log" >&2
    exit 1
  fi
  sleep 0.1
done

rss() { awk '/^VmRSS/ {printf "%d", $2/1024}' "/proc/$server/status"; }
peak() { awk '/^VmHWM/ {printf "%d", $2/1024}' "/proc/$server/status"; }

paths=(
  "/"
  "/indicator/comensha.minor_victims.html"
  "/api/indicators"
  "/api/indicators/comensha.minor_victims/cells"
  "/api/indicators/comensha.minor_victims/cells?edition=kic-2020"
)
for p in "${paths[@]}"; do
  code="$(curl -s -o /dev/null -w '%{http_code}' "$url$p")"
  [ "$code" = 200 ] || { echo "$p answers $code" >&2; exit 1; }
done

echo "# zicht serve, embedded monitor, SQLite; wrk -t2 -d${duration}s; RSS after start: $(rss) MB"
echo "# $(uptime)"
printf '%-62s %5s %10s %9s %9s %8s\n' "request" "conns" "req/s" "p50" "p99" "RSS MB"
for p in "${paths[@]}"; do
  for c in 8 64; do
    out="$(wrk -t2 -c"$c" -d"${duration}s" --latency "$url$p")"
    rps="$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")"
    p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    errors="$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)"
    printf '%-62s %5s %10s %9s %9s %8s\n' "GET $p" "$c" "$rps" "$p50" "$p99" "$(rss)"
    [ -z "$errors" ] || echo "  $errors"
  done
done
echo "# server RSS at the end: $(rss) MB, peak: $(peak) MB"
echo "# $(uptime)"

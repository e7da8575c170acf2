#!/usr/bin/env bash
# Foundation benchmarks: init and a full export of the embedded monitor, and the
# bulk paths on one million synthetic cells: import (target < 10 s, < 500 MB),
# re-import of the unchanged file (< 10 s, 0 versions recorded) and export
# (< 5 s, < 200 MB), each with its peak memory (GNU time), on SQLite and, when
# ZICHT_BENCH_POSTGRES_URL names a server, on a fresh PostgreSQL database
# (made beside the URL's and dropped after; with ZICHT_BENCH_POSTGRES_REUSE=1
# the URL's own database is emptied and used instead, for a role that may
# not create databases).
# The machine's load is printed first: figures on a busy machine are indicative.
# Measured 3 Dec 2026, 1,000,000 cells, load 1.1-1.8 (this machine varies by
# about a second from run to run): SQLite import 10.6-12.5 s, 416 MB;
# re-import unchanged 9.5-11.8 s over eight runs, 535 MB, 0 recorded; export
# 4.2-4.7 s, 33 MB. PostgreSQL: import 17.3 s (7.7 s CPU), re-import 11.1 s,
# export 6.0 s (3.0 s CPU), 21 MB. The binary before SQLite's bulk reads were
# stepped by rusqlite (store/src/rows.rs), back to back: import 9.3-13.8 s,
# re-import 17.4-20.2 s; export 23.6 s at the last stop.
# Measured 3 Dec 2026 (second session), load 1.1-1.5, after one hash per key
# in check_figures, breakdowns as slices and mimalloc without huge pages:
# SQLite import 8.2-9.3 s over four runs, 301-312 MB; re-import 6.2-7.0 s,
# 378-404 MB, 0 recorded; export 4.2 s, 20 MB. PostgreSQL (COPY): import
# 14.6 s (5.6 s CPU; a bare COPY of the same rows into the same table and
# indexes takes the server 9.0 s), re-import 7.7 s, export 7.2 s (3.3 s CPU;
# the server sorts an indicator's million versions by byte order).
# 3 Dec 2026 (third session), load 1.8-2.3, PostgreSQL after migration 0013
# (key columns in byte order, the foreign key to loads checked per statement,
# a BRIN index on recorded_at, ANALYZE after a large load): import 8.5-9.5 s
# (3.9-4.9 s CPU), 292-302 MB; re-import 6.1 s, 382 MB, 0 recorded; export
# 2.9-3.4 s, 13 MB. A bare psql \copy of the same million rows: 12.1 s with
# the per-row foreign key, 5.9 s without, 4.75 s sorted with BRIN. SQLite:
# import 7.4 s, 317 MB; export 3.3 s, 20 MB. All targets met.
# Usage: bench/foundation.sh [N]   (default 1000000; CARGO_TARGET_DIR is honoured)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
cargo build --release -q -p zicht-cli
T=${CARGO_TARGET_DIR:-target}
Z=${ZICHT_BIN:-$(cd "$T" && pwd)/release/zicht}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
echo "load: $(uptime)"

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
best_of() { local n=$1; shift; local best=999999 t; for _ in $(seq "$n"); do t=$("$@"); best=$(echo "if ($t < $best) $t else $best" | bc); done; echo "$best"; }
# Wall time, CPU time (user + system: what a busy machine does not stretch
# as much), peak resident memory and the load average just before one run,
# its stdout kept in $W/out.
measured() {
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -v -o "$W/time" "$@" >"$W/out" 2>"$W/err" || { cat "$W/err" >&2; return 1; }
  local wall mem cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$W/time")
  mem=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/time")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.1f", s}' "$W/time")
  echo "$wall wall, $cpu s CPU, $((mem / 1024)) MB peak, load $load"
}

init_fresh() { rm -f "$W"/e.db*; secs "$Z" --db "sqlite://$W/e.db" init; }
echo "init (embedded monitor, fresh SQLite):  $(best_of 5 init_fresh) s"
echo "init again (nothing to do):             $(best_of 5 secs "$Z" --db "sqlite://$W/e.db" init) s"
echo "export csv (all cells):                 $(best_of 5 secs "$Z" --db "sqlite://$W/e.db" export --format csv) s"
echo "export xlsx:                            $(best_of 5 secs "$Z" --db "sqlite://$W/e.db" export --format xlsx --out "$W/c.xlsx") s"

python3 bench/synth_monitor.py "$W/synth" "$N"

bulk() { # backend-name store-url
  local name=$1 db=$2 r
  "$Z" --db "$db" init --data "$W/synth/monitor" >/dev/null 2>&1
  r=$(measured "$Z" --db "$db" import "$W/synth/cells.csv")
  echo "import $N cells ($name):        $r   (target < 10 s, < 500 MB): $(cat "$W/out")"
  r=$(measured "$Z" --db "$db" import "$W/synth/cells.csv")
  echo "re-import unchanged ($name):    $r   (target < 10 s, 0 recorded): $(cat "$W/out")"
  r=$(measured "$Z" --db "$db" export --out "$W/big.csv")
  echo "export $N cells csv ($name):    $r   (target < 5 s, < 200 MB; $(($(wc -l <"$W/big.csv") - 1)) cells)"
  rm -f "$W/big.csv"
}
bulk SQLite "sqlite://$W/s.db"
if [ -n "${ZICHT_BENCH_POSTGRES_URL:-}" ] && [ "${ZICHT_BENCH_POSTGRES_REUSE:-}" = 1 ]; then
  psql "$ZICHT_BENCH_POSTGRES_URL" -qc "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
  bulk PostgreSQL "$ZICHT_BENCH_POSTGRES_URL"
  psql "$ZICHT_BENCH_POSTGRES_URL" -qc "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null
elif [ -n "${ZICHT_BENCH_POSTGRES_URL:-}" ]; then
  # A database of its own, dropped afterwards.
  base=${ZICHT_BENCH_POSTGRES_URL%/*}
  db="zicht_bench_$$"
  psql "$ZICHT_BENCH_POSTGRES_URL" -qc "CREATE DATABASE $db" >/dev/null
  bulk PostgreSQL "$base/$db"
  psql "$ZICHT_BENCH_POSTGRES_URL" -qc "DROP DATABASE $db" >/dev/null
fi

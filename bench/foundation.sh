#!/usr/bin/env bash
# Foundation benchmarks: init and a full export of the embedded monitor, and the
# import of one million synthetic cells (target: under 10 s on SQLite).
# Prints one line per figure. Usage: bench/foundation.sh [N]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
cargo build --release -q -p zicht-cli
Z=$PWD/target/release/zicht
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
best_of() { local n=$1; shift; local best=999999 t; for _ in $(seq "$n"); do t=$("$@"); best=$(echo "if ($t < $best) $t else $best" | bc); done; echo "$best"; }

init_fresh() { rm -f "$W"/e.db*; secs "$Z" --db "sqlite://$W/e.db" init; }
echo "init (embedded monitor, fresh SQLite):  $(best_of 5 init_fresh) s"
echo "init again (nothing to do):             $(best_of 5 secs "$Z" --db "sqlite://$W/e.db" init) s"
echo "export csv (all cells):                 $(best_of 5 secs "$Z" --db "sqlite://$W/e.db" export --format csv) s"
echo "export xlsx:                            $(best_of 5 secs "$Z" --db "sqlite://$W/e.db" export --format xlsx --out "$W/c.xlsx") s"

python3 bench/synth_monitor.py "$W/synth" "$N"
"$Z" --db "sqlite://$W/s.db" init --data "$W/synth/monitor" >/dev/null 2>&1
t=$(secs "$Z" --db "sqlite://$W/s.db" import "$W/synth/cells.csv")
rows=$("$Z" --db "sqlite://$W/s.db" export | wc -l)
echo "import $N synthetic cells (SQLite):   $t s   (target < 10 s; $((rows - 1)) cells stored)"
echo "export $N cells csv (SQLite):         $(secs "$Z" --db "sqlite://$W/s.db" export --out "$W/big.csv") s"
echo "re-import the same $N (all unchanged): $(secs "$Z" --db "sqlite://$W/s.db" import "$W/synth/cells.csv") s"
if [ -n "${ZICHT_BENCH_POSTGRES_URL:-}" ]; then
  "$Z" --db "$ZICHT_BENCH_POSTGRES_URL" init --data "$W/synth/monitor" >/dev/null 2>&1
  echo "import $N synthetic cells (PostgreSQL): $(secs "$Z" --db "$ZICHT_BENCH_POSTGRES_URL" import "$W/synth/cells.csv") s"
fi

#!/usr/bin/env bash
# Benchmarks of multiple systems estimation on the UK 2013 reference data
# (6 lists, 2,744 victims): stepwise with 1,000 BCa replicates (target < 1 s),
# the all-models BIC search over 32,768 models (target < 1 s), and the full
# default report (bootstrap + sensitivity table). Prints the figures.
#
#   bench/estimate.sh            # criterion benchmarks, then the figures
#   QUICK=1 bench/estimate.sh    # one timed run of each, no criterion
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"

echo "== figures (UK 2013; SparseMSE: stepwise 11,418, 9,977–13,146; BCa 9,267–14,307; main 12,214; Rcapture BIC 12,342, 10,868–14,143)"
cargo run --release --quiet -p zicht-estimate --example report 2>&1 \
  | grep -E '^(Estimate|Model|  model|  profile|  BCa|  main effects |  best BIC|took)'

echo "== lcm on UK 2013 (defaults: K=10, burn-in 5,000, thinning 20, 1,000 draws x 4 chains; LCMCR's short chain takes 1.5-1.8 s in R, not installed here)"
/usr/bin/time -f "  wall %e s, peak %M KB" \
  cargo run --release --quiet -p zicht-estimate --example report -- crates/estimate/tests/data/uk2013.csv lcm 2>&1 \
  | grep -E '^(Estimate|Posterior|took|  wall)|R-hat'
echo "== sparse 6-list default run (work bound)"
printf 'A,B,C,D,E,F,count\n1,0,0,1,0,1,4\n0,0,1,0,0,0,3\n0,0,1,1,0,0,32\n0,1,0,0,0,0,22\n0,0,0,1,0,1,14\n0,1,0,0,1,1,9\n1,0,0,0,0,0,37\n0,0,0,1,1,1,9\n1,1,1,0,1,0,27\n0,1,1,0,1,1,7\n1,0,0,0,0,1,11\n1,0,0,0,1,0,28\n0,1,1,1,0,0,24\n' > "${TMPDIR:-/tmp}/sparse6.csv"
/usr/bin/time -f "  wall %e s, peak %M KB" \
  cargo run --release --quiet -p zicht-estimate --example report -- "${TMPDIR:-/tmp}/sparse6.csv" 2>&1 \
  | grep -E '^(Estimate|Model average|took|  wall)'
echo "  load: $(uptime | sed 's/.*load/load/')"

if [[ "${QUICK:-0}" == "1" ]]; then
  exit 0
fi

echo "== criterion ($(nproc) cores)"
cargo bench -p zicht-estimate --bench estimate -- --noplot 2>&1 \
  | awk '
      /^uk2013\// { name = $1; sub(/^uk2013\//, "", name) }
      /time:/ {
        s = $0; sub(/.*\[/, "", s); sub(/\].*/, "", s); split(s, v, " ")
        printf "  %-20s %s %s  (95%% CI %s %s .. %s %s)\n", name, v[3], v[4], v[1], v[2], v[5], v[6]
      }'

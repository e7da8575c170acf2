#!/usr/bin/env bash
# Coverage of the latent-class model's 95% credible interval (`--method lcm`,
# default sampler) on simulated populations of known size: drawn from a
# two-class latent-class model, from independent lists, and sparse 6-list
# tables. Prints coverage, relative bias and error of the posterior median,
# relative width, how many runs warned, and the time per scenario.
#
#   bench/coverage.sh        # 500 populations per scenario
#   RUNS=100 bench/coverage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p zicht-estimate --example coverage_lcm
/usr/bin/time -f "  cpu %U s, wall %e s" \
  "$CARGO_TARGET_DIR/release/examples/coverage_lcm" "${RUNS:-500}"
echo "  load: $(uptime | sed 's/.*load/load/')"

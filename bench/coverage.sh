#!/usr/bin/env bash
# Coverage of the latent-class model's 95% credible interval (`--method lcm`,
# default sampler) on simulated populations of known size: drawn from a
# two-class latent-class model, from independent lists, and sparse 6-list
# tables. Prints coverage, relative bias and error of the posterior median,
# relative width, how many runs warned, and the time per scenario.
#
# 100 per scenario at load 12 on 2 cores (172 s CPU, 754 s wall; indicative):
#   latent-class 2 classes, 5 lists, N=2000: coverage 0.670, rel. bias -0.119
#   independent 5 lists, N=2000:             coverage 0.940, rel. bias -0.002
#   sparse 6 lists, N=1000:                  coverage 0.900, rel. bias -0.038
# (LCMCR shows the same bias on the latent-class tables: 1,724 vs lcm's 1,716.)
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

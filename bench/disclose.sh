#!/usr/bin/env bash
# Time to protect and audit a 3-dimensional hierarchical table of ~100,000
# cells and a 5-dimensional one of ~650,000, with the suppression rates.
#   bench/disclose.sh            both tables, then criterion on the 100,000
#   bench/disclose.sh --quick    the 100,000-cell table only
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
if [[ "${1:-}" == "--quick" ]]; then
    export ZICHT_BENCH_SKIP_BIG=1
fi
cargo bench -p zicht-disclose --bench protect

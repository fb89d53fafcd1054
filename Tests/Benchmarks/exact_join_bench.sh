#!/usr/bin/env bash
# The exact-join benchmark (Protocols/matching.md §5.1): korskoll's ExactJoin against the plain C
# hash join in exact_join_ref.c on the same data, in the same run. Prints one JSON line each.
#
#     swift build -c release && bash Tests/Benchmarks/exact_join_bench.sh [ROWS] [OVERLAP]
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-10000000}
overlap=${2:-0.5}
cc -O2 -o /tmp/korskoll_exact_join_ref Tests/Benchmarks/exact_join_ref.c
/tmp/korskoll_exact_join_ref "$rows" "$overlap"
.build/release/korskoll match bench-exact --rows "$rows" --overlap "$overlap" --threads 2
.build/release/korskoll match bench-exact --rows "$rows" --overlap "$overlap" --threads 1

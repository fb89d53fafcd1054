#!/usr/bin/env bash
# Runs the seeded mutation fuzzer (Tests/FuzzTests) longer than the test suite does and prints one
# JSON line per target: executions, parsed, rejected, seconds, failures (Tests/Fuzz/README.md).
#
#   Tests/Fuzz/run.sh [ITERATIONS] [TARGET...]   # default 20000 mutated inputs per target, all targets
#   KORSKOLL_TEST_SEED=<seed> Tests/Fuzz/run.sh 2000   # repeat a run exactly
#
# Exit status: that of `swift test` (non-zero when a target found something).
set -uo pipefail
cd "$(dirname "$0")/../.."
iterations="${1:-20000}"
[ $# -gt 0 ] && shift
targets="$(IFS=,; echo "$*")"
log="$(mktemp -t korskoll-fuzz.XXXXXX)"
KORSKOLL_FUZZ_ITERATIONS="$iterations" KORSKOLL_FUZZ_TARGETS="$targets" swift test --disable-xctest --filter 'FuzzTests/parserReturnsOrThrowsItsOwnError' >"$log" 2>&1
status=$?
grep '^{"fuzzTarget"' "$log"
if [ "$status" -ne 0 ]; then
    echo "--- failures (full log: $log)" >&2
    grep -E 'fuzz crash|seed [0-9]+, target|error:' "$log" | cut -c1-1200 >&2
else
    rm -f "$log"
fi
exit "$status"

#!/usr/bin/env bash
# Runs `korskoll demo` N times in a row (default 50) and counts failures; each failed run's
# workdir (coordinator serve.log, node state) and output are kept under $KEEP for a post-mortem.
# Usage: swift build -c release && bash Tests/Soak/demo_soak.sh [N] [BINARY]
set -uo pipefail
cd "$(dirname "$0")/../.."
N=${1:-50}
BIN=${2:-.build/release/korskoll}
KEEP=${KEEP:-/tmp/korskoll-soak}
mkdir -p "$KEEP"
fails=0
start=$(date +%s)
for i in $(seq 1 "$N"); do
  dir=$(mktemp -d "$KEEP/run-$i-XXXX")
  rmdir "$dir"
  "$BIN" demo --workdir "$dir" --people 20000 > "$dir.out" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then
    rm -rf "$dir" "$dir.out"
    echo "run $i/$N: ok"
  else
    fails=$((fails + 1))
    echo "run $i/$N: FAILED (exit $rc) — output in $dir.out, workdir $dir"
    tail -3 "$dir.out" | sed 's/^/    /'
  fi
done
echo "{\"runs\": $N, \"failures\": $fails, \"seconds\": $(( $(date +%s) - start ))}"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# Builds the libFuzzer harnesses with `swiftc -sanitize=fuzzer,address` and, with a target name,
# runs one of them on a copy of its seed corpus (Tests/Fuzz/README.md "libFuzzer").
#
#   Tests/Fuzz/libfuzzer/build.sh                     # build csv, json and submission fuzzers
#   Tests/Fuzz/libfuzzer/build.sh csv [SECONDS]       # build, then run the CSV fuzzer (default 60 s)
#
# Binaries and working corpora go to .build/libfuzzer/ (never committed); crashes are written
# there as crash-<sha1> files.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
out="$root/.build/libfuzzer"
mkdir -p "$out"
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6)
cd "$root"

build_csv() {
    swiftc "${flags[@]}" -module-name CSVFuzz Sources/Tabular/*.swift Tests/Fuzz/libfuzzer/csv.swift -o "$out/csv-fuzzer"
}
build_json() {
    swiftc "${flags[@]}" -module-name JSONFuzz Sources/Wire/Result/*.swift Tests/Fuzz/libfuzzer/json.swift -o "$out/json-fuzzer"
}
# The submission reader needs the Sodium module (and through it libsodium), built as a static
# library with the same instrumentation.
build_submission() {
    local sodium_cflags
    sodium_cflags=$(pkg-config --cflags libsodium)
    swiftc "${flags[@]}" \
        -emit-library -static -emit-module -module-name Sodium -I Sources/CSodium -Xcc ${sodium_cflags:--I/usr/include} \
        Sources/Sodium/*.swift -o "$out/libSodium.a" -emit-module-path "$out/Sodium.swiftmodule"
    swiftc "${flags[@]}" -module-name SubmissionFuzz -I "$out" -I Sources/CSodium -L "$out" -lSodium -lsodium \
        Sources/Wire/*.swift Tests/Fuzz/libfuzzer/submission.swift -o "$out/submission-fuzzer"
}

if [ $# -eq 0 ]; then
    build_csv; build_json; build_submission
    echo "built: $out/csv-fuzzer $out/json-fuzzer $out/submission-fuzzer"
    exit 0
fi
target="$1"; seconds="${2:-60}"
case "$target" in
    csv) seeds=csv-reader ;;
    json) seeds=json-reader ;;
    submission) seeds=submission ;;
    *) echo "unknown target $target (csv, json, submission)" >&2; exit 2 ;;
esac
rm -f "$out/$target-fuzzer"
"build_$target" 2>&1 | grep -v 'ld.gold: warning' || true
[ -x "$out/$target-fuzzer" ] || { echo "build of $target-fuzzer failed" >&2; exit 1; }
corpus="$out/corpus-$target"
mkdir -p "$corpus"
find "Tests/Fuzz/$seeds" -type f -exec cp {} "$corpus/" \;
cd "$out"
# The Swift backtracer would hold a crashing process; libFuzzer reports the crash itself.
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "./$target-fuzzer" -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 "$corpus"

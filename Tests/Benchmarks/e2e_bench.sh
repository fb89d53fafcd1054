#!/usr/bin/env bash
# End-to-end scale benchmark (README, "Benchmarks"): AGENCIES scale registers of about ROWS rows
# each plus the police's list, from CSV to opened results, every party run in turn on this
# machine, through the real coordinator (HTTP on loopback, SQLite). Prints the wall time and
# peak resident memory of every stage, and a JSON line at the end.
#
#   swift build -c release && bash Tests/Benchmarks/e2e_bench.sh [PEOPLE] [AGENCIES] [ROWS] [THRESHOLD]
#
# Defaults: 10,600,000 people, 8 agencies of 1,000,000 rows, t = 0.95. The population is made
# once under $KORSKOLL_BENCH_DATA (default /tmp/korskoll-e2e-data-PEOPLE-AGENCIES-ROWS) and reused;
# the timed run starts from its CSV files. Work files go to $KORSKOLL_BENCH_WORK (default a fresh
# directory under /tmp), which is removed at the end unless KORSKOLL_BENCH_KEEP=1.
set -euo pipefail

PEOPLE=${1:-10600000}
AGENCIES=${2:-8}
ROWS=${3:-1000000}
THRESHOLD=${4:-0.95}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN="$ROOT/.build/release/korskoll"
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
DATA=${KORSKOLL_BENCH_DATA:-/tmp/korskoll-e2e-data-$PEOPLE-$AGENCIES-$ROWS}
WORK=${KORSKOLL_BENCH_WORK:-$(mktemp -d /tmp/korskoll-e2e-XXXXXX)}
SCHEMA="$ROOT/Protocols/schemas/person-v3.json"
AGREEMENT_ID=scale-map-bench

if [ ! -f "$DATA/registers/polisen.csv" ]; then
  echo "== population: $PEOPLE people, $AGENCIES agencies of about $ROWS rows (once, not timed) into $DATA"
  rm -rf "$DATA"
  "$BIN" synth --people "$PEOPLE" --seed 1 --scale-agencies "$AGENCIES" --scale-rows "$ROWS" --out "$DATA" 2>/dev/null
fi
PARTIES=(polisen $(seq -f "agency%g" 1 "$AGENCIES"))

STAGES="$WORK/stages.csv"
mkdir -p "$WORK"
echo "stage,party,seconds,peak_rss_mib" > "$STAGES"
# timed STAGE PARTY CMD…: runs CMD under /usr/bin/time and records wall time and peak memory.
timed() {
  local stage=$1 party=$2; shift 2
  local t="$WORK/time.$$"
  if ! /usr/bin/time -f "%e %M" -o "$t" "$@" > "$WORK/last.out" 2> "$WORK/last.err"; then
    echo "FAILED: $stage $party" >&2; tail -5 "$WORK/last.err" >&2; exit 1
  fi
  read -r secs kib < "$t"
  echo "$stage,$party,$secs,$((kib / 1024))" >> "$STAGES"
  printf "  %-9s %-10s %7.1f s  %6d MiB\n" "$stage" "$party" "$secs" "$((kib / 1024))"
}

echo "== keys, registry and a signed agreement for ${#PARTIES[@]} parties"
mkdir -p "$WORK/coordinator" "$WORK/keys"
"$BIN" keys generate --party coordinator --out "$WORK/keys" > /dev/null
REGISTRY="$WORK/registry.json"
"$BIN" keys register --registry "$REGISTRY" --public "$WORK/keys/coordinator.public.json" --role coordinator --name coordinator > /dev/null
for p in "${PARTIES[@]}"; do
  mkdir -p "$WORK/nodes/$p"
  "$BIN" keys generate --party "$p" --out "$WORK/nodes/$p" > /dev/null
  "$BIN" keys register --registry "$REGISTRY" --public "$WORK/nodes/$p/$p.public.json" --role node --name "$p" > /dev/null
done
AGREEMENT="$WORK/$AGREEMENT_ID.agreement.json"
{
  echo '{"format": "korskoll-agreement-v2", "id": "'$AGREEMENT_ID'", "version": 1,'
  echo ' "purpose": "Scale benchmark: every agency learns which of its rows the police list and the other agencies hold.",'
  echo ' "legalBasis": "Benchmark on synthetic data.", "coordinator": "coordinator",'
  echo -n ' "parties": ['
  # Protocols/agreements.md §3: the police's category is sealed to every agency.
  readers=$(printf '"%s",' "${PARTIES[@]:1}"); readers="[${readers%,}]"
  sep=""; for p in "${PARTIES[@]}"; do
    attrs='[]'; [ "$p" = polisen ] && attrs='[{"name": "category", "values": ["aktiv", "koppling"], "readers": '"$readers"'}]'
    echo -n "$sep{\"id\": \"$p\", \"identifiers\": [\"person\"], \"fuzzy\": true, \"attributes\": $attrs}"; sep=", "; done; echo '],'
  echo ' "match": {"exact": ["person"], "schemaDigest": null, "threshold": '$THRESHOLD', "blocking": "korskoll-blocking-v1"},'
  echo -n ' "outputs": ['
  sep=""; for p in "${PARTIES[@]:1}"; do echo -n "$sep{\"name\": \"$p-rows\", \"recipient\": \"$p\", \"kind\": \"per-record\", \"fields\": [\"matchKind\", \"otherParties\", \"category\"]}"; sep=", "; done
  echo ", {\"name\": \"overlap-matrix\", \"recipient\": \"polisen\", \"kind\": \"aggregate\", \"k\": 10}],"
  echo ' "retentionDays": 14}'
} > "$AGREEMENT"
for p in "${PARTIES[@]}"; do "$BIN" agreement sign --agreement "$AGREEMENT" --key "$WORK/nodes/$p/$p.secret.json" > /dev/null; done

echo "== coordinator on loopback"
/usr/bin/time -f "%e %M" -o "$WORK/coordinator.time" \
  "$BIN" coordinator serve --data "$WORK/coordinator" --listen 127.0.0.1:0 --key "$WORK/keys/coordinator.secret.json" \
  --registry "$REGISTRY" > "$WORK/coordinator/serve.log" 2>&1 &
SERVER=$!
trap "pkill -P $SERVER 2>/dev/null || true" EXIT
for _ in $(seq 1 200); do [ -s "$WORK/coordinator/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$WORK/coordinator/port")"
COORD_PUB="$WORK/keys/coordinator.public.json"
conn() { echo --coordinator-url "$URL" --key "$WORK/nodes/$1/$1.secret.json"; }

START=$(date +%s.%N)
echo "== agreement and key ceremony"
timed register polisen "$BIN" agreement register --agreement "$AGREEMENT" $(conn polisen)
timed ceremony polisen "$BIN" node ceremony --lead --registry "$REGISTRY" --agreement "$AGREEMENT" --secret-out "$WORK/nodes/polisen/secret" $(conn polisen)
for p in "${PARTIES[@]:1}"; do
  timed ceremony "$p" "$BIN" node ceremony --registry "$REGISTRY" --agreement "$AGREEMENT" --secret-out "$WORK/nodes/$p/secret" $(conn "$p")
done

echo "== each party in turn: encode, submit"
for p in "${PARTIES[@]}"; do
  timed encode "$p" "$BIN" node encode --input "$DATA/registers/$p.csv" --mapping "$DATA/registers/$p.mapping.json" --schema "$SCHEMA" \
    --agreement "$AGREEMENT" --registry "$REGISTRY" --linkage-secret-file "$WORK/nodes/$p/secret" --key "$WORK/nodes/$p/$p.secret.json" \
    --coordinator "$COORD_PUB" --ref-date 2026-01-01 --out "$WORK/nodes/$p/encoded" --blocking korskoll-blocking-v1
  timed submit "$p" "$BIN" node submit --coordinator-key "$COORD_PUB" --agreement-id "$AGREEMENT_ID" \
    --submission "$WORK/nodes/$p/encoded" --state "$WORK/nodes/$p/state" $(conn "$p")
done

echo "== the coordinator's run"
timed run coordinator "$BIN" node status --agreement-id "$AGREEMENT_ID" --wait 1800 $(conn polisen)
grep -E "run|comparisons" "$WORK/last.out" | head -3 | sed 's/^/  /'

echo "== each recipient in turn: fetch, verify, open, map back"
for p in "${PARTIES[@]:1}"; do
  timed results "$p" "$BIN" node results --coordinator-key "$COORD_PUB" --agreement-id "$AGREEMENT_ID" --output "$p-rows" \
    --encoded "$WORK/nodes/$p/encoded" --state "$WORK/nodes/$p/state" --out "$WORK/nodes/$p/results" $(conn "$p")
done
timed results polisen "$BIN" node results --coordinator-key "$COORD_PUB" --agreement-id "$AGREEMENT_ID" --output overlap-matrix \
  --state "$WORK/nodes/polisen/state" --out "$WORK/nodes/polisen/results" $(conn polisen)
END=$(date +%s.%N)

pkill -INT -P $SERVER || true; wait $SERVER 2>/dev/null || true
trap - EXIT
read -r _ coord_kib < "$WORK/coordinator.time" || coord_kib=0
ROWS_IN=$(for p in "${PARTIES[@]}"; do tail -n +2 "$DATA/registers/$p.csv" | wc -l; done | paste -sd+ | bc)
TOTAL=$(echo "$END - $START" | bc)
echo "== summary ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
awk -F, 'NR > 1 { s[$1] += $3; if ($4 > m[$1]) m[$1] = $4 } END { for (k in s) printf "  %-9s %7.1f s in all, largest peak %5d MiB\n", k, s[k], m[k] }' "$STAGES"
printf "  coordinator peak %d MiB; %s rows in; end to end %.1f s\n" "$((coord_kib / 1024))" "$ROWS_IN" "$TOTAL"
node_peak=$(awk -F, 'NR > 1 && $2 != "coordinator" { if ($4 > m) m = $4 } END { print m + 0 }' "$STAGES")
echo "{\"people\": $PEOPLE, \"agencies\": $AGENCIES, \"rows\": $ROWS_IN, \"threshold\": $THRESHOLD, \"seconds\": $TOTAL, \"coordinatorPeakMiB\": $((coord_kib / 1024)), \"nodePeakMiB\": $node_peak, \"stages\": \"$STAGES\"}"
[ "${KORSKOLL_BENCH_KEEP:-0}" = 1 ] || rm -rf "$WORK"

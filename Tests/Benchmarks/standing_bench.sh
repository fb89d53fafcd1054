#!/usr/bin/env bash
# Standing-agreement benchmark (README, "Benchmarks"; Protocols/standing.md). Two measurements on
# the same synthetic population, through the real coordinator (HTTP on loopback, SQLite):
#
#   check  the police's list and a barred list stand at the coordinator; one agency checks
#          CHECK_ROWS new applicants against them, timed from its CSV to its opened result
#          (encode, submit, the run, fetch, verify, open, map back, history);
#   round  a monthly full round: the police's list stands, every one of the AGENCIES agencies
#          checks its whole register in turn; the sum of every stage.
#
#   swift build -c release && bash Tests/Benchmarks/standing_bench.sh [PEOPLE] [AGENCIES] [ROWS] [CHECK_ROWS] [BARRED_ROWS]
#
# Defaults: 10,600,000 people (the police list is then about 62,000 people), 8 agencies of
# 1,000,000 rows, a check of 10,000 applicants against the police list and a barred list of
# 50,000 rows. The population is made once under $KORSKOLL_BENCH_DATA (default
# /tmp/korskoll-e2e-data-PEOPLE-AGENCIES-ROWS, shared with e2e_bench.sh, whose one-shot run of the
# same registers is the reference for the round) and reused. The barred list is the first
# BARRED_ROWS rows of agency1, the applicants the first CHECK_ROWS rows of agency2 (both drawn from
# the whole population, so some applicants are on the lists). KORSKOLL_BENCH_ONLY=check skips the
# round. Work files go to $KORSKOLL_BENCH_WORK (default a fresh directory under /tmp), removed at
# the end unless KORSKOLL_BENCH_KEEP=1. Prints a line per stage and a JSON line at the end.
set -euo pipefail

PEOPLE=${1:-10600000}
AGENCIES=${2:-8}
ROWS=${3:-1000000}
CHECK_ROWS=${4:-10000}
BARRED_ROWS=${5:-50000}
THRESHOLD=0.95
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${KORSKOLL_BIN:-$ROOT/.build/release/korskoll}
[ -x "$BIN" ] || { echo "build first: swift build -c release" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
DATA=${KORSKOLL_BENCH_DATA:-/tmp/korskoll-e2e-data-$PEOPLE-$AGENCIES-$ROWS}
WORK=${KORSKOLL_BENCH_WORK:-$(mktemp -d /tmp/korskoll-standing-XXXXXX)}
SCHEMA="$ROOT/Protocols/schemas/person-v3.json"

if [ ! -f "$DATA/registers/polisen.csv" ]; then
  echo "== population: $PEOPLE people, $AGENCIES agencies of about $ROWS rows (once, not timed) into $DATA"
  rm -rf "$DATA"
  "$BIN" synth --people "$PEOPLE" --seed 1 --scale-agencies "$AGENCIES" --scale-rows "$ROWS" --out "$DATA" 2>/dev/null
fi
AGENCY_IDS=$(seq -f "agency%g" 1 "$AGENCIES")
mkdir -p "$WORK/coordinator" "$WORK/keys" "$WORK/lists"
# The barred list and the applicants: the head of agency1 and agency2, header kept.
head -n $((BARRED_ROWS + 1)) "$DATA/registers/agency1.csv" > "$WORK/lists/barred.csv"
head -n $((CHECK_ROWS + 1)) "$DATA/registers/agency2.csv" > "$WORK/lists/applicants.csv"
cp "$DATA/registers/agency1.mapping.json" "$WORK/lists/barred.mapping.json"
cp "$DATA/registers/agency2.mapping.json" "$WORK/lists/applicants.mapping.json"

STAGES="$WORK/stages.csv"
echo "measure,stage,party,seconds,peak_rss_mib" > "$STAGES"
# timed MEASURE STAGE PARTY CMD…: runs CMD under /usr/bin/time, records wall time and peak memory.
timed() {
  local measure=$1 stage=$2 party=$3; shift 3
  local t="$WORK/time.$$"
  if ! /usr/bin/time -f "%e %M" -o "$t" "$@" > "$WORK/last.out" 2> "$WORK/last.err"; then
    echo "FAILED: $measure $stage $party" >&2; tail -5 "$WORK/last.err" >&2; exit 1
  fi
  read -r secs kib < "$t"
  echo "$measure,$stage,$party,$secs,$((kib / 1024))" >> "$STAGES"
  printf "  %-6s %-9s %-11s %7.2f s  %6d MiB\n" "$measure" "$stage" "$party" "$secs" "$((kib / 1024))"
}

echo "== keys and registry"
"$BIN" keys generate --party coordinator --out "$WORK/keys" > /dev/null
REGISTRY="$WORK/registry.json"
"$BIN" keys register --registry "$REGISTRY" --public "$WORK/keys/coordinator.public.json" --role coordinator --name coordinator > /dev/null
for p in polisen barred applicants $AGENCY_IDS; do
  mkdir -p "$WORK/nodes/$p"
  "$BIN" keys generate --party "$p" --out "$WORK/nodes/$p" > /dev/null
  "$BIN" keys register --registry "$REGISTRY" --public "$WORK/nodes/$p/$p.public.json" --role node --name "$p" > /dev/null
done

# agreement ID PARTIES-JSON OUTPUTS-JSON: a standing (v3) agreement, signed by its parties.
agreement() {
  local id=$1 parties=$2 outputs=$3
  cat > "$WORK/$id.agreement.json" <<EOF
{"format": "korskoll-agreement-v3", "id": "$id", "version": 1,
 "purpose": "Standing benchmark on synthetic data.", "legalBasis": "Benchmark on synthetic data.", "coordinator": "coordinator",
 "validity": {"from": "2026-01-01", "until": "2027-09-30"},
 "parties": $parties,
 "match": {"exact": ["person"], "schemaDigest": null, "threshold": $THRESHOLD, "blocking": "korskoll-blocking-v1"},
 "outputs": $outputs,
 "retentionDays": 30}
EOF
  for p in $(python3 -c "import json,sys; print(' '.join(p['id'] for p in json.load(open('$WORK/$id.agreement.json'))['parties']))"); do
    "$BIN" agreement sign --agreement "$WORK/$id.agreement.json" --key "$WORK/nodes/$p/$p.secret.json" > /dev/null
  done
}
police() { echo '{"id": "polisen", "identifiers": ["person"], "fuzzy": true, "roles": ["reference"], "listRetentionDays": 120, "attributes": [{"name": "category", "values": ["aktiv", "koppling"], "readers": '"$1"'}]}'; }

agreement standing-check-bench \
  "[$(police '["applicants"]'), {\"id\": \"barred\", \"identifiers\": [\"person\"], \"fuzzy\": true, \"roles\": [\"reference\"], \"listRetentionDays\": 400, \"attributes\": []}, {\"id\": \"applicants\", \"identifiers\": [\"person\"], \"fuzzy\": true, \"roles\": [\"subjects\"], \"attributes\": []}]" \
  '[{"name": "applicants-ties", "recipient": "applicants", "kind": "per-record", "fields": ["category", "matchKind", "scoreBand", "ties"]}]'
readers=$(printf '"%s",' $AGENCY_IDS); readers="[${readers%,}]"
subjects=""; outputs=""
for p in $AGENCY_IDS; do
  subjects="$subjects, {\"id\": \"$p\", \"identifiers\": [\"person\"], \"fuzzy\": true, \"roles\": [\"subjects\"], \"attributes\": []}"
  outputs="$outputs, {\"name\": \"$p-ties\", \"recipient\": \"$p\", \"kind\": \"per-record\", \"fields\": [\"category\", \"matchKind\", \"ties\"]}"
done
agreement standing-round-bench "[$(police "$readers")$subjects]" "[${outputs#, }]"

echo "== coordinator on loopback"
"$BIN" coordinator serve --data "$WORK/coordinator" --listen 127.0.0.1:0 --key "$WORK/keys/coordinator.secret.json" \
  --registry "$REGISTRY" > "$WORK/coordinator/serve.log" 2>&1 &
SERVER=$!
trap "kill $SERVER 2>/dev/null || true" EXIT
for _ in $(seq 1 200); do [ -s "$WORK/coordinator/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$WORK/coordinator/port")"
COORD_PUB="$WORK/keys/coordinator.public.json"
conn() { echo --coordinator-url "$URL" --key "$WORK/nodes/$1/$1.secret.json"; }

# establish ID: register and one key ceremony; every party keeps the secret as ID.secret.
establish() {
  local id=$1 first=1
  "$BIN" agreement register --agreement "$WORK/$id.agreement.json" $(conn polisen) > /dev/null
  for p in $(python3 -c "import json; print(' '.join(p['id'] for p in json.load(open('$WORK/$id.agreement.json'))['parties']))"); do
    if [ $first = 1 ]; then lead=--lead; first=0; else lead=""; fi
    "$BIN" node ceremony $lead --registry "$REGISTRY" --agreement "$WORK/$id.agreement.json" --secret-out "$WORK/nodes/$p/$id.secret" $(conn "$p") > /dev/null
  done
}
# send MEASURE ID PARTY CSV MAPPING AS [OUTPUT]: encode, submit as list or check; for a check,
# wait for its run and open its result.
send() {
  local measure=$1 id=$2 p=$3 csv=$4 mapping=$5 as=$6 output=${7:-}
  local enc="$WORK/nodes/$p/$id-$as"
  timed "$measure" encode "$p" "$BIN" node encode --input "$csv" --mapping "$mapping" --schema "$SCHEMA" \
    --agreement "$WORK/$id.agreement.json" --registry "$REGISTRY" --linkage-secret-file "$WORK/nodes/$p/$id.secret" \
    --key "$WORK/nodes/$p/$p.secret.json" --coordinator "$COORD_PUB" --ref-date 2026-01-01 --out "$enc" --blocking korskoll-blocking-v1
  timed "$measure" submit "$p" "$BIN" node submit --coordinator-key "$COORD_PUB" --agreement-id "$id" --agreement "$WORK/$id.agreement.json" \
    --as "$as" --submission "$enc" --state "$WORK/nodes/$p/state" $(conn "$p")
  [ -n "$output" ] || return 0
  timed "$measure" run "$p" "$BIN" node status --standing --agreement-id "$id" --state "$WORK/nodes/$p/state" --wait 3600 $(conn "$p")
  timed "$measure" results "$p" "$BIN" node results --standing --coordinator-key "$COORD_PUB" --agreement-id "$id" --output "$output" \
    --encoded "$enc" --state "$WORK/nodes/$p/state" --out "$WORK/nodes/$p/results-$id" $(conn "$p")
  tied=$(($(wc -l < "$WORK/nodes/$p/results-$id/$output.csv") - 1))
  printf "  %-6s %-9s %-11s %d rows tied\n" "$measure" result "$p" "$tied"
}

echo "== the standing lists of the check (not timed as the check): police $(($(wc -l < "$DATA/registers/polisen.csv") - 1)) rows, barred $BARRED_ROWS rows"
establish standing-check-bench
send lists standing-check-bench polisen "$DATA/registers/polisen.csv" "$DATA/registers/polisen.mapping.json" list
send lists standing-check-bench barred "$WORK/lists/barred.csv" "$WORK/lists/barred.mapping.json" list
echo "== a check of $CHECK_ROWS new applicants, from CSV to the opened result"
CHECK_START=$(date +%s.%N)
send check standing-check-bench applicants "$WORK/lists/applicants.csv" "$WORK/lists/applicants.mapping.json" check applicants-ties
CHECK_END=$(date +%s.%N)
CHECK_SECONDS=$(echo "$CHECK_END - $CHECK_START" | bc)
printf "  check end to end: %.2f s\n" "$CHECK_SECONDS"

ROUND_SECONDS=null
if [ "${KORSKOLL_BENCH_ONLY:-}" != check ]; then
  echo "== a monthly full round: the police list stands, $AGENCIES agencies each check their whole register"
  establish standing-round-bench
  ROUND_START=$(date +%s.%N)
  send round standing-round-bench polisen "$DATA/registers/polisen.csv" "$DATA/registers/polisen.mapping.json" list
  for p in $AGENCY_IDS; do
    send round standing-round-bench "$p" "$DATA/registers/$p.csv" "$DATA/registers/$p.mapping.json" check "$p-ties"
  done
  ROUND_END=$(date +%s.%N)
  ROUND_SECONDS=$(echo "$ROUND_END - $ROUND_START" | bc)
fi

kill -INT $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true
trap - EXIT
echo "== summary ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
awk -F, 'NR > 1 { s[$1 "," $2] += $4; if ($5 > m[$1 "," $2]) m[$1 "," $2] = $5 } END { for (k in s) { split(k, a, ","); printf "  %-6s %-9s %8.2f s in all, largest peak %5d MiB\n", a[1], a[2], s[k], m[k] } }' "$STAGES" | sort
printf "  check of %d applicants end to end: %.2f s\n" "$CHECK_ROWS" "$CHECK_SECONDS"
[ "$ROUND_SECONDS" = null ] || printf "  monthly round of %d agencies end to end: %.1f s (compare e2e_bench.sh's one-shot run of the same registers)\n" "$AGENCIES" "$ROUND_SECONDS"
echo "{\"people\": $PEOPLE, \"agencies\": $AGENCIES, \"rows\": $ROWS, \"checkRows\": $CHECK_ROWS, \"barredRows\": $BARRED_ROWS, \"checkSeconds\": $CHECK_SECONDS, \"roundSeconds\": $ROUND_SECONDS, \"stages\": \"$STAGES\"}"
[ "${KORSKOLL_BENCH_KEEP:-0}" = 1 ] || rm -rf "$WORK"

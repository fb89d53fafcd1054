#!/usr/bin/env bash
# Key-holder national first round (Protocols/keyholder.md §10). Everything real and on loopback:
# a 2-of-3 OPRF key dealt for a standing agreement in the key-holder mode, three
# `korskoll keyholder serve` processes, a coordinator, and PARTIES agency nodes.
#
#   round  every node blinds its whole register through the key holders (`node encode` with
#          --dealt/--key-holders/--pseudonym-cache) and submits it (`node submit`): agency1 as
#          the reference list, the others as checks; all nodes at once, as in operation (each
#          agency runs its own node); KORSKOLL_BENCH_SEQUENTIAL=1 runs them one after another.
#   check  later, agency2 checks CHECK_ROWS new applicants (the head of agency1's register, so
#          some are already in agency2's pseudonym cache): only the others go to the key holders.
#
#   swift build -c release && bash Tests/Benchmarks/keyholder_round_bench.sh [PARTIES] [ROWS] [CHECK_ROWS] [PEOPLE]
#
# Defaults: 8 parties of 1,000,000 rows, a check of 10,000, and 10,600,000 people when ROWS is
# 1,000,000 or more (the population of e2e_bench.sh and standing_bench.sh, shared through
# $KORSKOLL_BENCH_DATA), else 4 × ROWS people. The agreement sends identifiers only (fuzzy: false),
# so the round measures the blinding, not the CLKs. Caps are 2 × a party's rows + CHECK_ROWS + 100
# per metering round, so the round and the check fit. KORSKOLL_BIN overrides the binary (e.g. a
# debug build at tiny size: KORSKOLL_BIN=.build/debug/korskoll bash … 2 2000 500). Work files go to
# $KORSKOLL_BENCH_WORK (default a fresh directory under /tmp), removed unless KORSKOLL_BENCH_KEEP=1.
# Prints a line per stage and party, a summary, and one JSON line at the end.
set -euo pipefail

PARTIES=${1:-8}
ROWS=${2:-1000000}
CHECK_ROWS=${3:-10000}
if [ "$ROWS" -ge 1000000 ]; then PEOPLE=${4:-10600000}; else PEOPLE=${4:-$((4 * ROWS))}; fi
[ "$PARTIES" -ge 2 ] || { echo "PARTIES must be at least 2 (agency1 stands as the list, agency2 checks)" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${KORSKOLL_BIN:-$ROOT/.build/release/korskoll}
[ -x "$BIN" ] || { echo "build first: swift build -c release (or set KORSKOLL_BIN)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install -y time)" >&2; exit 1; }
DATA=${KORSKOLL_BENCH_DATA:-/tmp/korskoll-e2e-data-$PEOPLE-$PARTIES-$ROWS}
WORK=${KORSKOLL_BENCH_WORK:-$(mktemp -d /tmp/korskoll-khround-XXXXXX)}
ID=keyholder-round-bench
HOLDERS="kh1 kh2 kh3"

if [ ! -f "$DATA/registers/agency1.csv" ]; then
  echo "== population: $PEOPLE people, $PARTIES agencies of about $ROWS rows (once, not timed) into $DATA"
  rm -rf "$DATA"
  "$BIN" synth --people "$PEOPLE" --seed 1 --scale-agencies "$PARTIES" --scale-rows "$ROWS" --out "$DATA" 2>/dev/null
fi
AGENCY_IDS=$(seq -f "agency%g" 1 "$PARTIES")
mkdir -p "$WORK/coordinator" "$WORK/keys" "$WORK/lists" "$WORK/dealt"

STAGES="$WORK/stages.csv"
echo "measure,stage,party,seconds,peak_rss_mib" > "$STAGES"
# timed MEASURE STAGE PARTY CMD…: runs CMD under /usr/bin/time, appends wall time and peak memory.
timed() {
  local measure=$1 stage=$2 party=$3; shift 3
  local out="$WORK/out.$measure.$stage.$party"
  if ! /usr/bin/time -f "%e %M" -o "$out.time" "$@" > "$out.stdout" 2> "$out.stderr"; then
    echo "FAILED: $measure $stage $party" >&2; tail -5 "$out.stderr" >&2; exit 1
  fi
  read -r secs kib < "$out.time"
  echo "$measure,$stage,$party,$secs,$((kib / 1024))" >> "$STAGES"
  printf "  %-6s %-7s %-9s %8.2f s  %6d MiB\n" "$measure" "$stage" "$party" "$secs" "$((kib / 1024))"
}
now() { date +%s.%N; }

echo "== keys and registry: coordinator, $PARTIES agencies, key holders $HOLDERS"
REGISTRY="$WORK/registry.json"
"$BIN" keys generate --party coordinator --out "$WORK/keys" > /dev/null
"$BIN" keys register --registry "$REGISTRY" --public "$WORK/keys/coordinator.public.json" --role coordinator --name coordinator > /dev/null
for p in $AGENCY_IDS; do
  mkdir -p "$WORK/nodes/$p"
  "$BIN" keys generate --party "$p" --out "$WORK/nodes/$p" > /dev/null
  "$BIN" keys register --registry "$REGISTRY" --public "$WORK/nodes/$p/$p.public.json" --role node --name "$p" > /dev/null
done
for h in $HOLDERS; do
  mkdir -p "$WORK/keyholders/$h/data/shares"
  "$BIN" keys generate --party "$h" --out "$WORK/keyholders/$h" > /dev/null
  "$BIN" keys register --registry "$REGISTRY" --public "$WORK/keyholders/$h/$h.public.json" --role key-holder --name "key holder $h" > /dev/null
done

# The applicants of the later check: agency1's head, header kept. Identifiers only, so each
# mapping loses its fuzzy fields and attributes.
head -n $((CHECK_ROWS + 1)) "$DATA/registers/agency1.csv" > "$WORK/lists/applicants.csv"
mapping() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); m.pop('fields', None); m['attributes']={}; json.dump(m, open(sys.argv[2],'w'))" "$1" "$2"; }
for p in $AGENCY_IDS; do mapping "$DATA/registers/$p.mapping.json" "$WORK/nodes/$p/mapping.json"; done
mapping "$DATA/registers/agency1.mapping.json" "$WORK/lists/applicants.mapping.json"

echo "== agreement $ID in the key-holder mode (2 of $HOLDERS), signed by every party"
AGREEMENT="$WORK/$ID.agreement.json"
python3 - "$AGREEMENT" "$ID" "$CHECK_ROWS" "$DATA/registers" $AGENCY_IDS <<'EOF'
import json, sys
path, aid, check_rows, registers, parties = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
caps = {}
for p in parties:
    with open(f"{registers}/{p}.csv", "rb") as f:
        rows = sum(1 for _ in f) - 1
    caps[p] = 2 * rows + check_rows + 100
doc = {"format": "korskoll-agreement-v3", "id": aid, "version": 1,
       "purpose": "Key-holder first-round benchmark on synthetic data.", "legalBasis": "Benchmark on synthetic data.",
       "coordinator": "coordinator", "validity": {"from": "2026-01-01", "until": "2027-09-30"},
       "parties": [{"id": p, "identifiers": ["person"], "fuzzy": False, "attributes": [],
                    "roles": ["reference"] if i == 0 else ["subjects"], **({"listRetentionDays": 400} if i == 0 else {})}
                   for i, p in enumerate(parties)],
       "match": {"exact": ["person"], "schemaDigest": None, "threshold": 0.95},
       "outputs": [{"name": f"{p}-ties", "recipient": p, "kind": "per-record", "fields": ["matchKind", "ties"]} for p in parties[1:]],
       "retentionDays": 30,
       "blinding": {"oprf": {"keyHolders": ["kh1", "kh2", "kh3"], "threshold": 2, "caps": caps}}}
json.dump(doc, open(path, "w"), indent=1)
EOF
for p in $AGENCY_IDS; do "$BIN" agreement sign --agreement "$AGREEMENT" --key "$WORK/nodes/$p/$p.secret.json" > /dev/null; done

echo "== dealer ceremony (agency1 deals and deletes the key) and three key holders on loopback"
"$BIN" keyholder deal --agreement "$AGREEMENT" --registry "$REGISTRY" --key "$WORK/nodes/agency1/agency1.secret.json" --out "$WORK/dealt" | sed 's/^/  /'
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
KEY_HOLDERS=""
for h in $HOLDERS; do
  d="$WORK/keyholders/$h/data"
  cp "$WORK/dealt/$ID.oprf-dealt.json" "$WORK/dealt/$ID.$h.oprf-share.json" "$d/shares/"
  # The agreement beside the share: its caps are in force (Protocols/keyholder.md §4).
  cp "$AGREEMENT" "$d/shares/$ID.agreement.json"
  cp "$WORK/$ID.signatures.json" "$d/shares/$ID.signatures.json"
  "$BIN" keyholder serve --data "$d" --listen 127.0.0.1:0 --key "$WORK/keyholders/$h/$h.secret.json" --registry "$REGISTRY" > "$d/serve.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 400); do [ -s "$d/port" ] && break; sleep 0.05; done
  [ -s "$d/port" ] || { echo "key holder $h did not start; see $d/serve.log" >&2; exit 1; }
  KEY_HOLDERS="$KEY_HOLDERS,$h=http://127.0.0.1:$(cat "$d/port")"
done
KEY_HOLDERS=${KEY_HOLDERS#,}
echo "  $KEY_HOLDERS"

"$BIN" coordinator serve --data "$WORK/coordinator" --listen 127.0.0.1:0 --key "$WORK/keys/coordinator.secret.json" \
  --registry "$REGISTRY" > "$WORK/coordinator/serve.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 400); do [ -s "$WORK/coordinator/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$WORK/coordinator/port")"
COORD_PUB="$WORK/keys/coordinator.public.json"
conn() { echo --coordinator-url "$URL" --key "$WORK/nodes/$1/$1.secret.json"; }

echo "== registration and one key ceremony (the linkage secret still keys the coordinator's seal and blocking)"
"$BIN" agreement register --agreement "$AGREEMENT" $(conn agency1) > /dev/null
lead=--lead
for p in $AGENCY_IDS; do
  "$BIN" node ceremony $lead --registry "$REGISTRY" --agreement "$AGREEMENT" --secret-out "$WORK/nodes/$p/$ID.secret" $(conn "$p") > /dev/null
  lead=""
done

# send MEASURE PARTY CSV MAPPING AS OUT: encode through the key holders (the party's own
# pseudonym cache), then submit.
send() {
  local measure=$1 p=$2 csv=$3 mapping=$4 as=$5 out=$6
  timed "$measure" encode "$p" "$BIN" node encode --input "$csv" --mapping "$mapping" \
    --agreement "$AGREEMENT" --registry "$REGISTRY" --linkage-secret-file "$WORK/nodes/$p/$ID.secret" \
    --key "$WORK/nodes/$p/$p.secret.json" --coordinator "$COORD_PUB" --ref-date 2026-01-01 --out "$out" \
    --dealt "$WORK/dealt/$ID.oprf-dealt.json" --key-holders "$KEY_HOLDERS" --pseudonym-cache "$WORK/nodes/$p/pseudonyms"
  timed "$measure" submit "$p" "$BIN" node submit --coordinator-key "$COORD_PUB" --agreement-id "$ID" --agreement "$AGREEMENT" \
    --as "$as" --submission "$out" --state "$WORK/nodes/$p/state" $(conn "$p")
}
# field DIR KEY: a number from an encode summary.
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1] + '/summary.json')).get(sys.argv[2]) or 0)" "$1" "$2"; }

echo "== first round: $PARTIES nodes each blind their register through 2 of 3 key holders and submit"
ROUND_START=$(now)
JOBS=()
for p in $AGENCY_IDS; do
  as=check; [ "$p" = agency1 ] && as=list
  if [ "${KORSKOLL_BENCH_SEQUENTIAL:-0}" = 1 ]; then
    send round "$p" "$DATA/registers/$p.csv" "$WORK/nodes/$p/mapping.json" "$as" "$WORK/nodes/$p/round"
  else
    send round "$p" "$DATA/registers/$p.csv" "$WORK/nodes/$p/mapping.json" "$as" "$WORK/nodes/$p/round" &
    JOBS+=($!)
  fi
done
for j in "${JOBS[@]}"; do wait "$j" || { echo "FAILED: a node of the round" >&2; exit 1; }; done
ROUND_END=$(now)
ROUND_SECONDS=$(printf "%.3f" "$(echo "$ROUND_END - $ROUND_START" | bc)")
ROUND_IDS=0; ROUND_EVALUATED=0
for p in $AGENCY_IDS; do
  ROUND_IDS=$((ROUND_IDS + $(field "$WORK/nodes/$p/round" personIDs)))
  ROUND_EVALUATED=$((ROUND_EVALUATED + $(field "$WORK/nodes/$p/round" pseudonymsEvaluated)))
done
printf "  round: %d person identifiers, %d evaluated by the key holders, %.2f s wall\n" "$ROUND_IDS" "$ROUND_EVALUATED" "$ROUND_SECONDS"

echo "== a later check: agency2 checks $CHECK_ROWS new applicants, its pseudonym cache serving those it has seen"
CHECK_START=$(now)
send check agency2 "$WORK/lists/applicants.csv" "$WORK/lists/applicants.mapping.json" check "$WORK/nodes/agency2/check"
CHECK_END=$(now)
CHECK_SECONDS=$(printf "%.3f" "$(echo "$CHECK_END - $CHECK_START" | bc)")
CHECK_IDS=$(field "$WORK/nodes/agency2/check" personIDs)
CHECK_EVALUATED=$(field "$WORK/nodes/agency2/check" pseudonymsEvaluated)
CHECK_CACHED=$((CHECK_IDS - CHECK_EVALUATED))
printf "  check: %d person identifiers, %d from the cache, %d evaluated, %.2f s wall\n" "$CHECK_IDS" "$CHECK_CACHED" "$CHECK_EVALUATED" "$CHECK_SECONDS"

cleanup
trap - EXIT

echo "== summary ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
awk -F, 'NR > 1 { s[$1 "," $2] += $4; if ($4 > x[$1 "," $2]) x[$1 "," $2] = $4; if ($5 > m[$1 "," $2]) m[$1 "," $2] = $5 } END { for (k in s) { split(k, a, ","); printf "  %-6s %-7s %9.2f s summed over nodes, slowest node %8.2f s, largest peak %5d MiB\n", a[1], a[2], s[k], x[k], m[k] } }' "$STAGES" | sort
IDS_PER_SECOND=$(printf "%.1f" "$(echo "scale=3; $ROUND_IDS / $ROUND_SECONDS" | bc)")
printf "  first round of %d × %d rows: %.1f s wall, %s identifiers/s\n" "$PARTIES" "$ROWS" "$ROUND_SECONDS" "$IDS_PER_SECOND"
printf "  later check of %d applicants: %.2f s (%d from the cache, %d evaluated)\n" "$CHECK_ROWS" "$CHECK_SECONDS" "$CHECK_CACHED" "$CHECK_EVALUATED"
stage_json() { awk -F, -v m="$1" 'NR > 1 && $1 == m { s[$2] += $4; if ($4 > x[$2]) x[$2] = $4 } END { sep=""; printf "{"; for (k in s) { printf "%s\"%s\": {\"summedSeconds\": %.2f, \"slowestNodeSeconds\": %.2f}", sep, k, s[k], x[k]; sep=", " } printf "}" }' "$STAGES"; }
echo "{\"parties\": $PARTIES, \"rows\": $ROWS, \"people\": $PEOPLE, \"threshold\": 2, \"keyHolders\": 3, \"cores\": $(nproc), \"sequential\": $([ "${KORSKOLL_BENCH_SEQUENTIAL:-0}" = 1 ] && echo true || echo false), \"roundSeconds\": $ROUND_SECONDS, \"roundIdentifiers\": $ROUND_IDS, \"roundEvaluated\": $ROUND_EVALUATED, \"idsPerSecond\": $IDS_PER_SECOND, \"roundStages\": $(stage_json round), \"checkRows\": $CHECK_ROWS, \"checkSeconds\": $CHECK_SECONDS, \"checkIdentifiers\": $CHECK_IDS, \"checkFromCache\": $CHECK_CACHED, \"checkEvaluated\": $CHECK_EVALUATED, \"checkStages\": $(stage_json check)}"
[ "${KORSKOLL_BENCH_KEEP:-0}" = 1 ] || rm -rf "$WORK"

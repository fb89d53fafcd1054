#!/usr/bin/env bash
# The privacy officer's report in a real browser: runs `korskoll log verify … --html` on a demo
# workdir (`korskoll demo --workdir DIR`), renders the page in headless Chromium and checks that it
# loads with no console error, that it references nothing outside itself (no http:// or https://),
# that the verdict and every agreement id are on the rendered page, and saves screenshots.
#
# Usage: bash Tests/Report/screenshot.sh WORKDIR [BINARY]
#   WORKDIR  a demo workdir: log.bundle, registry.json, agreements/, nodes/*/state/checkpoints.json
#   BINARY   korskoll (default: $KORSKOLL, else .build/debug/korskoll, else .build/release/korskoll)
# Writes WORKDIR/report/report.{sv,en}.html and report.{sv,en}.png; exits non-zero on any failure.
# EXPECT_VERDICT=verified (or anomalies, broken) also fails when the verdict is another.
set -uo pipefail
cd "$(dirname "$0")/../.."
WORKDIR=${1:?usage: screenshot.sh WORKDIR [BINARY]}
BIN=${2:-${KORSKOLL:-}}
if [ -z "$BIN" ]; then
  for b in .build/debug/korskoll .build/release/korskoll; do [ -x "$b" ] && BIN=$b && break; done
fi
[ -x "${BIN:-}" ] || { echo "FAIL: no korskoll binary (build first, or pass BINARY)"; exit 1; }
for f in log.bundle registry.json agreements; do
  [ -e "$WORKDIR/$f" ] || { echo "FAIL: $WORKDIR/$f is missing (is this a 'korskoll demo --workdir' directory?)"; exit 1; }
done
if ! command -v chromium >/dev/null; then
  echo "chromium is missing; installing Debian's chromium package"
  apt-get install -y chromium >/dev/null 2>&1 || { echo "FAIL: cannot install chromium"; exit 1; }
fi
OUT=$WORKDIR/report
mkdir -p "$OUT"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Headless Chromium with the page's console on stderr; a separate profile per run.
browse() { # browse OUTFILE_PREFIX URL EXTRA_ARGS...
  local prefix=$1 url=$2; shift 2
  local profile; profile=$(mktemp -d)
  timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@" "$url" \
    >"$prefix.stdout" 2>"$prefix.stderr"
  local rc=$?
  rm -rf "$profile"
  return $rc
}
# Chromium writes every console message of the page as ":CONSOLE" on stderr (without its level).
# The report has no script, so any console message is the browser complaining about the page
# (a blocked or missing resource, a parse error) and counts as an error. Chromium's own noise
# (D-Bus, GPU) never carries ":CONSOLE".
console_errors() { grep -E ':CONSOLE|Uncaught|Failed to load resource|Not allowed to load' "$1" || true; }

verdict_word() { # the verdict as the page says it (ReportText.verdict*)
  case "$1:$2" in
    sv:verified) echo "Verifierad" ;; sv:anomalies) echo "Avvikelser" ;; sv:broken) echo "Loggen är trasig" ;;
    en:verified) echo "Verified" ;; en:anomalies) echo "Anomalies" ;; *) echo "The log is broken" ;;
  esac
}

# 0. The console check must be able to fail: a page that logs an error has to be caught.
probe=$OUT/probe.html
printf '<!DOCTYPE html><html><body><p>probe</p><script>console.error("korskoll-probe-error")</script></body></html>\n' > "$probe"
browse "$OUT/probe" "file://$(realpath "$probe")" --dump-dom
if ! console_errors "$OUT/probe.stderr" | grep -q 'korskoll-probe-error'; then
  fail "the console check does not see a console.error on a probe page (see $OUT/probe.stderr)"
fi
rm -f "$probe" "$OUT"/probe.*

agreements=("$WORKDIR"/agreements/*.agreement.json)
books=()
for b in "$WORKDIR"/nodes/*/state/checkpoints.json; do [ -e "$b" ] && books+=("$b"); done
ids=()
for a in "${agreements[@]}"; do ids+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$a")"); done

for lang in sv en; do
  html=$OUT/report.$lang.html png=$OUT/report.$lang.png
  rm -f "$html" "$png"
  args=(log verify "$WORKDIR/log.bundle" --registry "$WORKDIR/registry.json" --agreements "${agreements[@]}" --html "$html" --lang "$lang")
  [ ${#books[@]} -gt 0 ] && args+=(--node-checkpoints "${books[@]}")
  "$BIN" "${args[@]}" > "$OUT/verify.$lang.out" 2>&1
  rc=$?
  case $rc in 0|1|2) ;; *) fail "[$lang] log verify exited $rc (see $OUT/verify.$lang.out)"; continue ;; esac
  [ -s "$html" ] || { fail "[$lang] log verify wrote no $html"; continue; }
  verdict=$(grep -o 'data-verdict="[a-z]*"' "$html" | head -1 | cut -d'"' -f2)
  case "$verdict:$rc" in verified:0|anomalies:1|broken:2) ;; *) fail "[$lang] page says '$verdict' but log verify exited $rc" ;; esac
  [ -n "${EXPECT_VERDICT:-}" ] && [ "$verdict" != "$EXPECT_VERDICT" ] && fail "[$lang] verdict is '$verdict', expected '$EXPECT_VERDICT'"
  if grep -qiE 'https?://' "$html"; then fail "[$lang] the page references the network: $(grep -oiE 'https?://[^"< ]*' "$html" | head -3 | tr '\n' ' ')"; fi
  if grep -qiE '<script|<link|<img|<iframe|@import|url\(' "$html"; then fail "[$lang] the page loads something from outside itself"; fi

  url="file://$(realpath "$html")"
  browse "$OUT/dom.$lang" "$url" --dump-dom || fail "[$lang] chromium --dump-dom failed (see $OUT/dom.$lang.stderr)"
  dom=$OUT/dom.$lang.stdout
  grep -q "data-verdict=\"$verdict\"" "$dom" || fail "[$lang] the rendered page has no verdict"
  word=$(verdict_word "$lang" "$verdict")
  grep -q "$word" "$dom" || fail "[$lang] the rendered page does not say '$word'"
  for id in "${ids[@]}"; do grep -q "id=\"agreement-$id\"" "$dom" || fail "[$lang] agreement $id is not on the page"; done

  browse "$OUT/shot.$lang" "$url" --screenshot="$(realpath "$OUT")/report.$lang.png" --window-size=1280,2000 \
    || fail "[$lang] chromium --screenshot failed (see $OUT/shot.$lang.stderr)"
  errors=$( (console_errors "$OUT/dom.$lang.stderr"; console_errors "$OUT/shot.$lang.stderr") | sort -u)
  [ -z "$errors" ] || fail "[$lang] console errors: $errors"
  if [ "$(head -c 8 "$png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a" ]; then fail "[$lang] $png is not a PNG"; fi
  echo "[$lang] verdict $verdict (exit $rc), agreements ${ids[*]}, $(wc -c < "$html") bytes of HTML, screenshot $png"
done
[ "$fails" -eq 0 ] && echo "OK: the report renders in headless Chromium with no console error" || echo "$fails failure(s)"
[ "$fails" -eq 0 ]

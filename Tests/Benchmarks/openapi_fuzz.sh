#!/usr/bin/env bash
# Fuzzes the coordinator's HTTP API against Protocols/openapi.yaml with schemathesis (PyPI), run
# from a venv. A demo builds a coordinator's data (agreements, submissions, results); a coordinator
# then serves it on loopback, and schemathesis checks that no answer is a server error and that
# every status, content type and body is the documented one. Unsigned requests get 401, which the
# document lists; the signed paths are covered by Tests/CoordinatorTests/OpenAPIConformanceTests.
#
# Usage: Tests/Benchmarks/openapi_fuzz.sh [MAX_EXAMPLES]   (default 100 per operation)
set -euo pipefail
cd "$(dirname "$0")/../.."
max="${1:-100}"
venv="${KORSKOLL_FUZZ_VENV:-.build/openapi-fuzz-venv}"
[ -x "$venv/bin/schemathesis" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q schemathesis; }
swift build --product korskoll >/dev/null
bin="$(swift build --show-bin-path)/korskoll"
work="$(mktemp -d)"
"$bin" demo --workdir "$work/demo" --people 2000 >/dev/null
rm -f "$work/demo/coordinator/port"
"$bin" coordinator serve --data "$work/demo/coordinator" --listen 127.0.0.1:0 \
    --key "$work/demo/coordinator/keys/coordinator.secret.json" --registry "$work/demo/registry.json" 2>"$work/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/demo/coordinator/port" ] && break; sleep 0.1; done
port="$(tr -d '\n' < "$work/demo/coordinator/port")"
schema="$PWD/Protocols/openapi.yaml"
venv="$(cd "$venv" && pwd)"
cd "$work"   # schemathesis keeps its state in the working directory, not in the repository
"$venv/bin/schemathesis" run "$schema" --url "http://127.0.0.1:$port" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$max" --seed 2026

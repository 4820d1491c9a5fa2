#!/usr/bin/env bash
# Checks a live `encml serve` on 127.0.0.1 against the OpenAPI document it serves
# (GET /openapi.yaml, Sources/EncryptedMLServer/OpenAPIDocument.swift) with schemathesis from
# PyPI: a bounded run (--max-examples per operation, --max-time overall) of generated
# requests with and without a valid bearer token; fails on any 5xx, any status or content
# type the document does not list, or a response body that does not match its schema.
# Usage: Benchmarks/serve/schemathesis.sh [ENCML] [MAX_EXAMPLES]   (defaults .build/release/encml, 30)
# Needs: pip install schemathesis (installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
ENCML=${1:-.build/release/encml}
EXAMPLES=${2:-30}
# A Debian python3 refuses plain pip installs (PEP 668): then install beside the system's.
command -v schemathesis >/dev/null || python3 -m pip install -q schemathesis >/dev/null 2>&1 \
  || python3 -m pip install -q --break-system-packages schemathesis >/dev/null
ST=$(command -v schemathesis || echo "$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/schemathesis")

work=$(mktemp -d /tmp/encml-schemathesis-XXXXXX)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

data=notebooks-data/breast_cancer.csv
"$ENCML" split --data "$data" --train-out "$work/train.csv" --test-out "$work/test.csv" >/dev/null
"$ENCML" train --data "$work/train.csv" --model logistic --out "$work/m.json" >/dev/null
"$ENCML" convert --model "$work/m.json" --calibration "$work/train.csv" --out "$work/m.he.json" >/dev/null
token=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
echo "$token" > "$work/tokens.txt"

"$ENCML" serve --model "$work/m.he.json" --host 127.0.0.1 --port 0 --tokens "$work/tokens.txt" \
  --key-store "sqlite:$work/keys.sqlite" --log-level warning > "$work/serve.out" 2> "$work/serve.log" &
server=$!
for _ in $(seq 1 600); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$work/serve.out" | head -1)
[ -n "$base" ] || { echo "encml serve did not start:"; cat "$work/serve.log"; exit 1; }

# Generated requests, with the token (the API's own rules) and without (every /v1 answer 401).
status=0
# positive_data_acceptance is left out: no schema can describe valid CKKS keys or ciphertexts,
# so schema-valid random bytes are rightly refused (400).
$ST run "$base/openapi.yaml" --checks all --exclude-checks positive_data_acceptance --max-examples "$EXAMPLES" --max-time 90 --seed 1 \
  --request-timeout 30 --workers 2 -H "Authorization: Bearer $token" --suppress-health-check all \
  --report junit --report-dir "$work/report" || status=$?
$ST run "$base/openapi.yaml" --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples 5 --max-time 30 --seed 2 --request-timeout 30 --suppress-health-check all || status=$?
kill -0 "$server" 2>/dev/null || { echo "encml serve died during the run:"; tail -20 "$work/serve.log"; exit 1; }
exit $status

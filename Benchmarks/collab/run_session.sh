#!/usr/bin/env bash
# run_session.sh DIR PARTIES SERVE_OPTIONS…: one coordinator and PARTIES parties (DIR/shardI.csv)
# on loopback; writes DIR/jointI.json, DIR/partyI.out (the party's JSON line) and DIR/coordinator.json.
set -euo pipefail
ENCML=${ENCML:-.build/release/encml}
dir=$1; parties=$2; shift 2
"$ENCML" collab serve --parties "$parties" --port 0 --out "$dir/coordinator.json" "$@" > "$dir/serve.out" 2> "$dir/serve.err" &
serve=$!
for _ in $(seq 1 600); do grep -q listening "$dir/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*"listening":"\([^"]*\)".*/\1/p' "$dir/serve.out")
pids=()
for i in $(seq 0 $((parties - 1))); do
  "$ENCML" collab join --server "$url" --data "$dir/shard$i.csv" --name "party$i" --out "$dir/joint$i.json" \
    > "$dir/party$i.out" 2> "$dir/party$i.err" &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
wait "$serve" || status=1
if [ $status -ne 0 ]; then cat "$dir"/*.err >&2; exit 1; fi

#!/usr/bin/env bash
# Bytes and CPU per round per party: LR on breast_cancer and the MLP 64-32-10 on digits, with 3
# and 10 parties on loopback (all processes share this machine's cores: CPU seconds are per
# process, wall time is not reported). Not a timed test. AGGREGATION=gradient (default) or fedavg;
# a gradient round is one objective evaluation (a session converges in about 35 rounds for LR
# breast_cancer, 25 for the digits MLP), a fedavg round includes the local epochs.
set -euo pipefail
ENCML=${ENCML:-.build/release/encml}
AGGREGATION=${AGGREGATION:-gradient}
here=$(dirname "$0")
base=${DIR:-.build/bench-collab}
echo "aggregation: $AGGREGATION"
printf "%-24s %8s %14s %14s %10s\n" "session" "parties" "sent KB/round" "recv KB/round" "CPU s/round"
for spec in "breast_cancer logistic" "digits mlp"; do
  set -- $spec
  for parties in 3 10; do
    dir="$base/$1-$parties"; rm -rf "$dir"; mkdir -p "$dir"
    bash "$here/shard.sh" "notebooks-data/$1.csv" "$dir/shard" "$parties"
    bash "$here/run_session.sh" "$dir" "$parties" --model "$2" --hidden 32 --rounds 5 --local-epochs 5 --aggregation "$AGGREGATION" --timeout 300
    line=$(sed -n 's/.*"mean_round":{\([^}]*\)}.*/\1/p' "$dir/party0.out")
    sent=$(echo "$line" | sed -n 's/.*"bytes_sent":\([0-9.]*\).*/\1/p')
    recv=$(echo "$line" | sed -n 's/.*"bytes_received":\([0-9.]*\).*/\1/p')
    cpu=$(echo "$line" | sed -n 's/.*"cpu_s":\([0-9.e-]*\).*/\1/p')
    printf "%-24s %8d %14.1f %14.1f %10.3f\n" "$1 $2" "$parties" "$(echo "$sent / 1024" | bc -l)" "$(echo "$recv / 1024" | bc -l)" "$cpu"
  done
done

#!/usr/bin/env bash
# make demo-collab: three parties on loopback, each with a shard of breast_cancer (shard 0 skewed
# by label); one report comparing the joint model with each party alone and with pooled training.
set -euo pipefail
ENCML=${ENCML:-.build/release/encml}
DATA=${DATA:-notebooks-data/breast_cancer.csv}
MODEL=${MODEL:-logistic}
DIR=${DIR:-.build/demo-collab}
here=$(dirname "$0")
rm -rf "$DIR"; mkdir -p "$DIR"
"$ENCML" split --data "$DATA" --train-out "$DIR/train.csv" --test-out "$DIR/test.csv" --seed 42 > /dev/null
bash "$here/shard.sh" "$DIR/train.csv" "$DIR/shard" 3 skew
accuracy() { "$ENCML" evaluate --model "$1" --data "$DIR/test.csv" --json | sed -n 's/.*"accuracy" *: *\([0-9.]*\).*/\1/p'; }
echo "EncryptedML collaboration demo: $(basename "$DATA"), model $MODEL, 3 parties, held-out test: $(($(wc -l < "$DIR/test.csv") - 1)) rows"
printf "%-28s %8s %10s\n" "model" "rows" "accuracy"
for i in 0 1 2; do
  "$ENCML" train --data "$DIR/shard$i.csv" --model "$MODEL" --out "$DIR/alone$i.json" > /dev/null
  printf "%-28s %8d %10.4f\n" "party $i alone" $(($(wc -l < "$DIR/shard$i.csv") - 1)) "$(accuracy "$DIR/alone$i.json")"
done
"$ENCML" train --data "$DIR/train.csv" --model "$MODEL" --out "$DIR/pooled.json" > /dev/null
bash "$here/run_session.sh" "$DIR" 3 --model "$MODEL"
printf "%-28s %8d %10.4f\n" "joint (encrypted, 3 parties)" $(($(wc -l < "$DIR/train.csv") - 1)) "$(accuracy "$DIR/coordinator.json")"
printf "%-28s %8d %10.4f\n" "pooled (all rows in one place)" $(($(wc -l < "$DIR/train.csv") - 1)) "$(accuracy "$DIR/pooled.json")"
for i in 1 2; do cmp -s "$DIR/joint0.json" "$DIR/joint$i.json" || { echo "party $i holds another joint model" >&2; exit 1; }; done
cmp -s "$DIR/joint0.json" "$DIR/coordinator.json" || { echo "the coordinator holds another joint model" >&2; exit 1; }
echo "every party and the coordinator wrote the same joint model ($DIR/joint0.json)"
echo "per party and round: $(sed -n 's/.*"mean_round":\({[^}]*}\).*/\1/p' "$DIR/party0.out")"

#!/usr/bin/env bash
# shard.sh TRAIN.csv OUT_PREFIX PARTIES [skew]: splits the data rows of TRAIN.csv into PARTIES
# shard files OUT_PREFIX0.csv … (header on each). With "skew", shard 0 takes two thirds of the
# rows of the first row's label and only one sixth of the other rows.
set -euo pipefail
awk -F, -v prefix="$2" -v parties="$3" -v skew="${4:-}" '
NR == 1 { header = $0; for (p = 0; p < parties; p++) print header > (prefix p ".csv"); next }
{
  label = $NF
  if (first == "") first = label
  if (skew == "skew") {
    if (label == first) { i++; if (i % 3 != 2) p = 0; else p = 1 + (i % (parties - 1)) }
    else { j++; if (j % 6 == 0) p = 0; else p = 1 + (j % (parties - 1)) }
  } else { p = (NR - 2) % parties }
  print > (prefix p ".csv")
}' "$1"

#!/usr/bin/env bash
# Builds the libFuzzer targets (every module instrumented with -sanitize=fuzzer) and runs
# each for SECONDS (default 60) from its committed seed corpus (Fuzz/corpus/NAME); new
# inputs go to .build/fuzz-corpus/NAME (where binary targets also write valid seed files on
# start), crashes to .build/fuzz-artifacts/. Prints one line
# per target with its executions per second, and exits non-zero on the first crash,
# timeout or out-of-memory. Usage: [FUZZ_CONFIG=debug] Fuzz/run.sh [SECONDS] [TARGET…]
# FUZZ_CONFIG (default release) is the build configuration: CI uses debug, which builds in
# a third of the time and still finds crashes in its brief runs.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(secret-key public-key evaluation-keys ciphertexts trained-model-json converted-model-json csv)
fi
config=${FUZZ_CONFIG:-release}
swift build -c "$config" -Xswiftc -sanitize=fuzzer 2>&1 | grep -E "error|warning: unre|Compiling|Build complete" | tail -3
bin=$(swift build -c "$config" -Xswiftc -sanitize=fuzzer --show-bin-path)
mkdir -p .build/fuzz-artifacts
status=0
passed=0
failed=0
for name in "${targets[@]}"; do
  mkdir -p ".build/fuzz-corpus/$name" "corpus/$name"
  log=".build/fuzz-$name.log"
  # The binary targets write valid seed files (a key, ciphertexts) into the working corpus
  # on start (LLVMFuzzerInitialize, ENCML_FUZZ_SEEDS), so mutation starts from real files.
  if ENCML_FUZZ_SEEDS=".build/fuzz-corpus/$name" "$bin/fuzz-$name" ".build/fuzz-corpus/$name" "corpus/$name" -max_total_time="$seconds" -timeout=10 \
       -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix=".build/fuzz-artifacts/$name-" >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    echo "fuzz-$name: ${runs} executions in ${seconds} s ($(( runs / seconds )) exec/s), no crash"
    passed=$((passed + 1))
  else
    status=1
    failed=$((failed + 1))
    echo "fuzz-$name: FAILED (see Fuzz/$log)"
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -5 || true
  fi
done
echo "fuzz: $passed passed, $failed failed"
exit $status

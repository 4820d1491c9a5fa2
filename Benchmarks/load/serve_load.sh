#!/bin/sh
# Load run: 8 concurrent clients for 60 s (at most 20000 requests) against a real
# `encml serve` on 127.0.0.1; prints failures, throughput, p50/p99 latency and server RSS.
# Usage: Benchmarks/load/serve_load.sh [extra serve_load.py options, e.g. --json]
set -e
cd "$(dirname "$0")/../.."
swift build -c release -Xswiftc -target-cpu -Xswiftc native --product encml >/dev/null
exec python3 Benchmarks/load/serve_load.py --clients 8 --duration 60 --max-requests 20000 "$@"
